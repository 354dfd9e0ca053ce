// netgen graph as a user runs it: the SVG of prod.yaml rasterised (resvg) and
// decoded here, byte-for-byte determinism, the committed picture kept current,
// --bundle, and clear errors with nothing written.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";
import { Resvg } from "@resvg/resvg-js";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { netgen } from "./support/cli.js";

const REPO = process.cwd();
let work = "";
test.before.each(() => void (work = mkdtempSync(join(tmpdir(), "netgen-graph-"))));
test.after.each(() => rmSync(work, { recursive: true, force: true }));

interface Image {
  width: number;
  height: number;
  /** RGBA, 8 bits a channel. */
  pixels: Uint8Array;
}

/** A PNG decoded here (8-bit RGBA, no interlace: what resvg writes), not by the library that made it. */
function decodePng(png: Buffer): Image {
  assert.equal([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], "PNG signature");
  let width = 0;
  let height = 0;
  const data: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    const type = png.toString("latin1", at + 4, at + 8);
    const body = png.subarray(at + 8, at + 8 + length);
    if (type === "IHDR") {
      [width, height] = [body.readUInt32BE(0), body.readUInt32BE(4)];
      assert.equal([body[8], body[9], body[12]], [8, 6, 0], "8-bit RGBA, not interlaced");
    }
    if (type === "IDAT") data.push(body);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data));
  const stride = width * 4;
  const pixels = new Uint8Array(stride * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let x = 0; x < stride; x++) {
      const value = raw[y * (stride + 1) + 1 + x]!;
      const a = x >= 4 ? pixels[y * stride + x - 4]! : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x]! : 0;
      const c = x >= 4 && y > 0 ? pixels[(y - 1) * stride + x - 4]! : 0;
      const paeth = () => {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      };
      const predictor = [0, a, b, (a + b) >> 1, filter === 4 ? paeth() : 0][filter];
      assert.ok(predictor !== undefined, `PNG filter ${filter}`);
      pixels[y * stride + x] = (value + predictor!) & 0xff;
    }
  }
  return { width, height, pixels };
}

/** Graphviz writes '-' as &#45; and a non-breaking space as &#160;. */
function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"' };
  return text.replace(/&#(\d+);|&(\w+);/g, (all, code: string | undefined, name: string | undefined) =>
    code !== undefined ? (code === "160" ? " " : String.fromCharCode(Number(code))) : (named[name!] ?? all));
}

/** Pixels within a small distance of an RGB colour (antialiasing blurs the rest). */
function countNear(image: Image, rgb: [number, number, number], tolerance = 40): number {
  let n = 0;
  for (let i = 0; i < image.pixels.length; i += 4) {
    const d = Math.abs(image.pixels[i]! - rgb[0]) + Math.abs(image.pixels[i + 1]! - rgb[1]) + Math.abs(image.pixels[i + 2]! - rgb[2]);
    if (d <= tolerance) n++;
  }
  return n;
}

test("the SVG of prod.yaml names every host, uplink, bundle, path and derived value, and rasterises to a real picture", () => {
  const r = netgen(["graph", "inventories/prod.yaml", "-o", join(work, "prod.svg")], REPO);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, "", "nothing on stdout with -o");
  const svg = readFileSync(join(work, "prod.svg"), "utf8");
  const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => decodeEntities(m[1]!)).join("\n");
  for (const label of ["fo-gw", "fo-exit", "devicea", "deviceb", "ssh 192.0.2.10", "intra15", "10.88.15.100/24", "via 10.88.15.1", "inet0",
    "masquerade", "shaped egress 5mbit / ingress 5mbit", "dummy0", "10.10.10.10/32", "bond-15-16", "failover: bond-15-16 (active-backup bond)",
    "failover: bond-15-16 (bridge)", "10.42.42.100/24, MTU 1462, default route", "10.42.42.200/24, MTU 1462", "teql: teql0 (link equalizer)",
    "10.2.0.1/30, routes 10.100.100.100/32", "bond-15-16 path 1, primary", "gretap bond-15-16-p15, MTU 1462", "bond-15-16 path 2", "a-b path 2"]) {
    assert.ok(texts.includes(label), `SVG text has '${label}'`);
  }
  assert.not.ok(texts.includes("path 2, primary"), "only the marked path is primary");

  const [, wPt, hPt] = svg.match(/<svg width="(\d+)pt" height="(\d+)pt"/)!;
  const zoom = 2;
  const png = Buffer.from(new Resvg(svg, { fitTo: { mode: "zoom", value: zoom }, background: "white" }).render().asPng());
  writeFileSync(join(REPO, "dist/test/prod-topology.png"), png); // kept for a person to look at
  const image = decodePng(png);
  // 1 pt = 4/3 px at 96 dpi.
  assert.ok(Math.abs(image.width - (Number(wPt) * 4 * zoom) / 3) <= 1, `width ${image.width}`);
  assert.ok(Math.abs(image.height - (Number(hPt) * 4 * zoom) / 3) <= 1, `height ${image.height}`);
  const total = image.width * image.height;
  const white = countNear(image, [255, 255, 255], 6);
  assert.ok(total - white > total * 0.03, `ink on ${(((total - white) / total) * 100).toFixed(1)}% of the picture`);
  // The two bundles' colours (Okabe-Ito blue and vermillion): their edges and names are drawn.
  assert.ok(countNear(image, [0x00, 0x72, 0xb2]) > 2000, "the failover bundle's blue paths");
  assert.ok(countNear(image, [0xd5, 0x5e, 0x00]) > 1000, "the teql bundle's vermillion paths");
  assert.ok(countNear(image, [0xe8, 0xee, 0xf6], 6) > 10000, "the hosts' header cells");
});

test("DOT on stdout, the same to the byte on every run; docs/prod-topology.svg is what the command draws today", () => {
  const one = netgen(["graph", "inventories/prod.yaml"], REPO);
  const two = netgen(["graph", "inventories/prod.yaml"], REPO);
  assert.is(one.code, 0, one.stderr);
  assert.match(one.stdout, /^graph netgen \{\n/);
  assert.is(one.stdout, two.stdout);
  const svg = netgen(["graph", "inventories/prod.yaml", "-o", join(work, "now.svg")], REPO);
  assert.is(svg.code, 0, svg.stderr);
  const committed = readFileSync(join(REPO, "docs/prod-topology.svg"), "utf8");
  assert.ok(committed === readFileSync(join(work, "now.svg"), "utf8"), "docs/prod-topology.svg is stale: run netgen graph inventories/prod.yaml -o docs/prod-topology.svg");
  const dot = netgen(["graph", "inventories/prod.yaml", "-o", join(work, "prod.dot")], REPO);
  assert.is(readFileSync(join(work, "prod.dot"), "utf8"), one.stdout, dot.stderr);
});

test("--bundle draws one bundle and the hosts at its ends; ecmp paths show their weights", () => {
  const r = netgen(["graph", "inventories/prod.yaml", "--bundle", "bond-15-16"], REPO);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /"fo-gw" \[label/);
  assert.match(r.stdout, /"fo-exit" \[label/);
  assert.not.match(r.stdout, /devicea|deviceb|a-b path/);
  const ecmp = netgen(["graph", "inventories/ecmp.yaml"], REPO);
  assert.match(ecmp.stdout, /a-b path 1, weight 1/);
  assert.match(ecmp.stdout, /ecmp: multipath routes/);
});

test("mistakes: exit 1, a message saying what to do, no file left behind", () => {
  const bundle = netgen(["graph", "inventories/prod.yaml", "--bundle", "bond-15-1", "-o", join(work, "x.svg")], REPO);
  assert.is(bundle.code, 1);
  assert.match(bundle.stderr, /no bundle 'bond-15-1' in inventories\/prod.yaml \(did you mean 'bond-15-16'\?\); bundles: bond-15-16, a-b/);
  const format = netgen(["graph", "inventories/prod.yaml", "-o", join(work, "x.png")], REPO);
  assert.is(format.code, 1);
  assert.match(format.stderr, /give a file ending in .svg \(the picture\) or .dot/);
  writeFileSync(join(work, "bad.yaml"), "netgen: 1\nhosts:\n  gw:\n    uplinks: { eth0: { address: 10.0.0.300/24 } }\n");
  const invalid = netgen(["graph", join(work, "bad.yaml"), "-o", join(work, "x.svg")], REPO);
  assert.is(invalid.code, 1);
  assert.match(invalid.stderr, /bad.yaml:4:\d+/);
  const unwritable = netgen(["graph", "inventories/prod.yaml", "-o", join(work, "missing/x.svg")], REPO);
  assert.is(unwritable.code, 1);
  assert.match(unwritable.stderr, /cannot write it \(ENOENT\): give a writable path/);
  for (const name of ["x.svg", "x.png", "x.svg.partial"]) assert.not.ok(existsSync(join(work, name)), `${name} not written`);
});

test.run();
