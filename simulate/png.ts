import { Resvg } from '@resvg/resvg-js';

/**
 * An SVG as PNG, rasterized by resvg (its binary ships in the npm package: no browser, no
 * network) at `scale` times the SVG's size, with the machine's fonts.
 */
export function svgToPng(svg: string, scale = 2): Buffer {
  const renderer = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: scale },
    background: '#ffffff',
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  });
  return renderer.render().asPng();
}
