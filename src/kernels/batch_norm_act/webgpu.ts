/** WGSL kernels: to come. @module */
export {};
