import { deflateSync, inflateSync } from 'node:zlib';

const SOURCE_URL = /['"]source['"]:\s?['"]([a-z][a-z0-9+\-.]*:\/\/.*?)['"]/gi;

/**
 * ClearML's plot bookkeeping: records plot_len and the image urls a plot references, and moves
 * large plot_str into zlib+base64 plot_data (readable by ClearML's uncompress_plot, and back).
 */
export function compressPlot(event: Record<string, unknown>, threshold: number): void {
  const plot = event.plot_str;
  if (typeof plot !== 'string' || plot === '') {
    event.plot_len = 0;
    return;
  }
  event.plot_len = plot.length;
  const urls = new Set(Array.from(plot.matchAll(SOURCE_URL), (m) => m[1]));
  if (urls.size > 0) event.source_urls = [...urls];
  if (threshold <= 0 || plot.length < threshold) return;
  event.plot_data = deflateSync(plot, { level: 1 }).toString('base64');
  delete event.plot_str;
}

export function uncompressPlot(event: Record<string, unknown>): void {
  const data = event.plot_data;
  delete event.plot_data;
  if (typeof data !== 'string' || typeof event.plot_str === 'string') return;
  event.plot_str = inflateSync(Buffer.from(data, 'base64')).toString('utf8');
}
