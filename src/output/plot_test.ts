import assert from "node:assert/strict";
import { svgToPng, vegaLiteToSvg, writePlot } from "./plot.ts";

const spec = {
  data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] },
  mark: "line" as const,
  encoding: {
    x: { field: "x", type: "quantitative" as const },
    y: { field: "y", type: "quantitative" as const },
  },
  title: "check",
};

Deno.test("a Vega-Lite spec renders to SVG with its text and to a PNG", async () => {
  const svg = await vegaLiteToSvg(spec);
  assert(svg.startsWith("<svg"));
  assert(svg.includes(">check<"), "the title is drawn as text");
  const png = await svgToPng(svg, 1);
  assert.deepStrictEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert(png.length > 2000, "a blank image would be tiny");
});

Deno.test("writePlot writes the SVG and PNG side by side", async () => {
  const dir = await Deno.makeTempDir();
  const files = await writePlot(dir, "p", spec);
  assert.deepStrictEqual(files, [`${dir}/p.svg`, `${dir}/p.png`]);
  for (const f of files) assert((await Deno.stat(f)).size > 0);
  await Deno.remove(dir, { recursive: true });
});
