import assert from "node:assert/strict";
import { bindWholeBuffersDirectly } from "./webgpu_device.ts";

/** A device whose createBindGroup records what it is given. */
function recordingDevice(): { device: GPUDevice; seen: GPUBindGroupDescriptor[] } {
  const seen: GPUBindGroupDescriptor[] = [];
  const device = { createBindGroup: (d: GPUBindGroupDescriptor) => (seen.push(d), {}) };
  bindWholeBuffersDirectly(device as unknown as GPUDevice);
  return { device: device as unknown as GPUDevice, seen };
}

Deno.test("bind groups: a whole buffer goes as the buffer, any other binding as it is", () => {
  const { device, seen } = recordingDevice();
  const whole = { size: 64 } as unknown as GPUBuffer;
  const part = { buffer: { size: 64 } as unknown as GPUBuffer, offset: 16, size: 32 };
  const sized = { buffer: { size: 64 } as unknown as GPUBuffer, size: 64 };
  const view = { label: "a texture view" } as unknown as GPUTextureView;
  const layout = {} as GPUBindGroupLayout;
  const entries: GPUBindGroupEntry[] = [
    { binding: 0, resource: { buffer: whole } },
    { binding: 1, resource: part },
    { binding: 2, resource: sized },
    { binding: 3, resource: view },
  ];
  device.createBindGroup({ layout, entries, label: "L" });
  assert.equal(seen.length, 1);
  assert.equal(seen[0].layout, layout);
  assert.equal(seen[0].label, "L");
  assert.deepEqual(seen[0].entries, [
    { binding: 0, resource: whole },
    { binding: 1, resource: part },
    { binding: 2, resource: sized },
    { binding: 3, resource: view },
  ]);
  assert.equal((seen[0].entries as GPUBindGroupEntry[])[0].resource, whole);
  // The caller's entries are not changed.
  assert.deepEqual(entries[0], { binding: 0, resource: { buffer: whole } });
});
