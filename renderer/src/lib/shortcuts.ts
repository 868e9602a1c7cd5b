// Keyboard shortcuts, one table used both to dispatch keys and to draw the help overlay.

export type ShortcutAction =
  | 'open'
  | 'open-folder'
  | 'export'
  | 'compare-toggle'
  | 'noise-toggle'
  | 'zoom-in'
  | 'zoom-out'
  | 'zoom-fit'
  | 'zoom-100'
  | 'ab'
  | 'play'
  | 'next'
  | 'prev'
  | 'remove'
  | 'help'
  | 'close';

export interface Shortcut {
  action: ShortcutAction;
  keys: string[];
  label: string;
  group: 'Files' | 'View' | 'Audio' | 'General';
}

const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);
export const MOD = mac ? '⌘' : 'Ctrl';

export const SHORTCUTS: Shortcut[] = [
  { action: 'open', keys: [MOD, 'O'], label: 'Open files', group: 'Files' },
  { action: 'open-folder', keys: [MOD, 'Shift', 'O'], label: 'Open a folder', group: 'Files' },
  { action: 'export', keys: [MOD, 'E'], label: 'Export the batch', group: 'Files' },
  { action: 'next', keys: ['J'], label: 'Next file', group: 'Files' },
  { action: 'prev', keys: ['K'], label: 'Previous file', group: 'Files' },
  { action: 'remove', keys: ['Delete'], label: 'Remove the selected file', group: 'Files' },
  { action: 'compare-toggle', keys: ['C'], label: 'Split / side-by-side', group: 'View' },
  { action: 'noise-toggle', keys: ['N'], label: 'Show removed noise', group: 'View' },
  { action: 'zoom-in', keys: ['+'], label: 'Zoom in', group: 'View' },
  { action: 'zoom-out', keys: ['−'], label: 'Zoom out', group: 'View' },
  { action: 'zoom-fit', keys: ['0'], label: 'Fit to window', group: 'View' },
  { action: 'zoom-100', keys: ['1'], label: '100 % (actual pixels)', group: 'View' },
  { action: 'play', keys: ['Space'], label: 'Play / pause', group: 'Audio' },
  { action: 'ab', keys: ['B'], label: 'A/B: before ↔ after', group: 'Audio' },
  { action: 'help', keys: ['?'], label: 'Show this help', group: 'General' },
  { action: 'close', keys: ['Esc'], label: 'Close a dialog', group: 'General' },
];

/** Inputs that take typed text (a focused checkbox or range must not swallow shortcuts). */
const NON_TEXT_INPUTS = new Set(['checkbox', 'radio', 'range', 'button', 'submit', 'reset', 'color', 'file', 'image']);
function isTextInput(t: HTMLElement): boolean {
  if (t.tagName !== 'INPUT') return false;
  const type = (t.getAttribute('type') ?? 'text').toLowerCase();
  return !NON_TEXT_INPUTS.has(type);
}

/** Map a key event to an action, or null. Plain-letter shortcuts are ignored while typing. */
export function actionFor(e: KeyboardEvent): ShortcutAction | null {
  const mod = e.ctrlKey || e.metaKey;
  const k = e.key;
  if (mod && !e.altKey) {
    if (k.toLowerCase() === 'o') return e.shiftKey ? 'open-folder' : 'open';
    if (k.toLowerCase() === 'e') return 'export';
    if (k === '=' || k === '+') return 'zoom-in';
    if (k === '-') return 'zoom-out';
    if (k === '0') return 'zoom-fit';
    return null;
  }
  if (e.altKey || mod) return null;
  const t = e.target as HTMLElement | null;
  const typing = !!t && (isTextInput(t) || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable);
  if (k === 'Escape') return 'close';
  if (typing) return null;
  switch (k) {
    case '?':
      return 'help';
    case 'c':
    case 'C':
      return 'compare-toggle';
    case 'n':
    case 'N':
      return 'noise-toggle';
    case '+':
    case '=':
      return 'zoom-in';
    case '-':
    case '_':
      return 'zoom-out';
    case '0':
      return 'zoom-fit';
    case '1':
      return 'zoom-100';
    case 'b':
    case 'B':
      return 'ab';
    case ' ':
      // Space on a focused button activates the button instead.
      return t && (t.tagName === 'BUTTON' || t.getAttribute('role') === 'slider' || t.getAttribute('role') === 'radio') ? null : 'play';
    case 'j':
    case 'J':
      return 'next';
    case 'k':
    case 'K':
      return 'prev';
    case 'Delete':
      return 'remove';
    default:
      return null;
  }
}
