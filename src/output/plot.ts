/**
 * Small plotting helpers: a Vega-Lite spec to SVG (Vega renders it without a browser) and SVG
 * to PNG (resvg, as WebAssembly: no native addon). Reused by the diagnostics.
 *
 * @module
 */
import * as vega from "vega";
import { compile } from "vega-lite";
import type { TopLevelSpec } from "vega-lite";
import { initWasm, Resvg } from "@resvg/resvg-wasm";
import { writeFileAtomic } from "./atomic.ts";

/** The font every plot uses; Debian's `fonts-dejavu-core` installs it. */
export const PLOT_FONT_PATH = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/** Its family name, set in every spec so Vega's text measure and resvg's glyphs agree. */
export const PLOT_FONT_FAMILY = "DejaVu Sans";

/** A facet field whose panels come in the order of a numeric field. */
export interface PanelFacet {
  /** The field that names each panel. */
  readonly field: string;
  /** Always nominal: a panel's name is a label. */
  readonly type: "nominal";
  /** No facet title: each panel's name says what it is. */
  readonly title: null;
  /** Panels in the numeric order of `field`'s companion, not in string order. */
  readonly sort: { readonly field: string; readonly op: "min" };
}

/**
 * The facet of a panelled plot: one panel per value of `field`, ordered by the number in
 * `orderField` ("depth 4" before "depth 16", which string order would swap).
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { panelFacet } from "./plot.ts";
 * assertEquals(panelFacet("batch", "batchOrder").sort, { field: "batchOrder", op: "min" });
 * ```
 */
export function panelFacet(field = "panel", orderField = "panelOrder"): PanelFacet {
  return { field, type: "nominal", title: null, sort: { field: orderField, op: "min" } };
}

/** The config every plot gets: one font, white background. */
const CONFIG = { font: PLOT_FONT_FAMILY, background: "white" };

/**
 * Renders a Vega-Lite spec to an SVG string.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { vegaLiteToSvg } from "./plot.ts";
 * const svg = await vegaLiteToSvg({
 *   data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] },
 *   mark: "line",
 *   encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
 * });
 * assertEquals(svg.startsWith("<svg"), true);
 * ```
 */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const withConfig = { ...spec, config: { ...CONFIG, ...(spec.config ?? {}) } } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(withConfig).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

let ready: Promise<Uint8Array> | undefined;

/** Starts resvg's WebAssembly module once and loads the font. */
function initResvg(fontPath: string): Promise<Uint8Array> {
  ready ??= (async () => {
    const wasm = new URL(import.meta.resolve("@resvg/resvg-wasm/index_bg.wasm"));
    await initWasm(await Deno.readFile(wasm));
    try {
      return await Deno.readFile(fontPath);
    } catch (e) {
      throw new Error(
        `plot font ${fontPath} is not readable (${(e as Error).message}); ` +
          "install Debian's fonts-dejavu-core (apt-get install fonts-dejavu-core)",
      );
    }
  })();
  return ready;
}

/**
 * Renders an SVG string to PNG bytes at `scale` times its size.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { svgToPng, vegaLiteToSvg } from "./plot.ts";
 * const svg = await vegaLiteToSvg({ data: { values: [{ x: 1 }] }, mark: "point", encoding: { x: { field: "x", type: "quantitative" } } });
 * const png = await svgToPng(svg, 2);
 * assertEquals(new TextDecoder().decode(png.slice(1, 4)), "PNG");
 * ```
 */
export async function svgToPng(
  svg: string,
  scale = 2,
  fontPath = PLOT_FONT_PATH,
): Promise<Uint8Array> {
  const font = await initResvg(fontPath);
  const resvg = new Resvg(svg, {
    font: { fontBuffers: [font], defaultFontFamily: PLOT_FONT_FAMILY, loadSystemFonts: false },
    fitTo: { mode: "zoom", value: scale },
  });
  const image = resvg.render();
  try {
    return image.asPng();
  } finally {
    image.free();
    resvg.free();
  }
}

/**
 * Writes `dir/name.svg` and `dir/name.png` of a Vega-Lite spec; returns both paths.
 *
 * @example
 * ```ts
 * import { deepStrictEqual as assertEquals } from "node:assert/strict";
 * import { writePlot } from "./plot.ts";
 * const dir = await Deno.makeTempDir();
 * const spec = { data: { values: [{ x: 1 }] }, mark: "point", encoding: { x: { field: "x", type: "quantitative" } } } as const;
 * assertEquals(await writePlot(dir, "demo", spec), [`${dir}/demo.svg`, `${dir}/demo.png`]);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function writePlot(dir: string, name: string, spec: TopLevelSpec): Promise<string[]> {
  const svg = await vegaLiteToSvg(spec);
  const svgPath = `${dir}/${name}.svg`;
  const pngPath = `${dir}/${name}.png`;
  await writeFileAtomic(svgPath, svg);
  await writeFileAtomic(pngPath, await svgToPng(svg));
  return [svgPath, pngPath];
}
