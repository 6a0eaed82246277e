import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { name, section, sleb128, uleb128 } from "./wasm_binary.ts";

Deno.test("uleb128 and sleb128 match the spec's examples", () => {
  assertEquals(uleb128(0), [0]);
  assertEquals(uleb128(127), [0x7f]);
  assertEquals(uleb128(128), [0x80, 0x01]);
  assertEquals(uleb128(624485), [0xe5, 0x8e, 0x26]);
  assertEquals(sleb128(63), [0x3f]);
  assertEquals(sleb128(64), [0xc0, 0x00]);
  assertEquals(sleb128(-1), [0x7f]);
  assertEquals(sleb128(-123456), [0xc0, 0xbb, 0x78]);
});

Deno.test("section and name prefix their bodies with the length", () => {
  assertEquals(section(10, [1, 2, 3]), [10, 3, 1, 2, 3]);
  assertEquals(name("memory"), [6, ...new TextEncoder().encode("memory")]);
  // The smallest valid module with an empty type section validates.
  const bytes = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...section(1, [0])]);
  assertEquals(WebAssembly.validate(bytes), true);
});
