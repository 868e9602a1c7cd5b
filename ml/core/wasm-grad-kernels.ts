// Training on the wasm backend needs the gradient kernels in main/engine/tf/wasm-kernels.ts
// (initBackend registers them; call registerTrainingKernels() if you pick the backend yourself).
export {
  registerWasmKernels as registerTrainingKernels,
  conv2dFilterGrad,
  conv2dFilterGradSwapped,
  conv2dInputGrad,
  depthToSpace,
  spaceToDepth,
  maxPoolGrad,
} from '../../main/engine/tf/wasm-kernels.ts';
