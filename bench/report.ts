/** Rendering of benchmark results: a Markdown table and an SVG bar chart of the ratios. */

export interface Row {
  test: string;
  pipeline: number;
  nodis: { rps: number; p50: number; p99: number } | null;
  redis: { rps: number; p50: number; p99: number } | null;
  ratio: number | null;
  note?: string;
}

export interface MemoryRow {
  server: 'nodis' | 'redis';
  keys: number;
  rssBefore: number;
  rssAfter: number;
  usedMemory: number;
  rssPerKey: number;
  addedRssPerKey: number;
}

export interface BenchResult {
  date: string;
  machine: string;
  redisVersion: string;
  options: { rounds: number; requests: number; clients: number; keyspace: number };
  rows: Row[];
  memory: MemoryRow[];
}

export function renderMarkdown(r: BenchResult): string {
  const lines = [
    `# Nodis vs redis-server ${r.redisVersion}`,
    '',
    `${r.date}, ${r.machine}. redis-benchmark, ${r.options.clients} clients, random keys over ${r.options.keyspace}, median of ${r.options.rounds} alternating rounds.`,
    '',
    '| test | pipeline | Nodis req/s | Redis req/s | ratio | Nodis p50/p99 ms | Redis p50/p99 ms |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of r.rows) {
    if (!row.nodis || !row.redis) {
      lines.push(`| ${row.test} | ${row.pipeline} | n/a | n/a | n/a | ${row.note ?? ''} | |`);
      continue;
    }
    lines.push(
      `| ${row.test} | ${row.pipeline} | ${Math.round(row.nodis.rps)} | ${Math.round(row.redis.rps)} | ${row.ratio!.toFixed(2)} | ${row.nodis.p50.toFixed(3)} / ${row.nodis.p99.toFixed(3)} | ${row.redis.p50.toFixed(3)} / ${row.redis.p99.toFixed(3)} |`,
    );
  }
  lines.push('', '| memory | keys | RSS MB | RSS B/key | added RSS B/key | used_memory MB |', '| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const m of r.memory) {
    lines.push(`| ${m.server} | ${m.keys} | ${(m.rssAfter / 1e6).toFixed(1)} | ${m.rssPerKey.toFixed(0)} | ${m.addedRssPerKey.toFixed(0)} | ${(m.usedMemory / 1e6).toFixed(1)} |`);
  }
  const n = r.memory.find((m) => m.server === 'nodis');
  const d = r.memory.find((m) => m.server === 'redis');
  if (n && d) lines.push('', `Memory ratio Nodis/Redis: ${(n.rssPerKey / d.rssPerKey).toFixed(2)} (RSS per key), ${(n.addedRssPerKey / d.addedRssPerKey).toFixed(2)} (added RSS per key).`);
  return lines.join('\n') + '\n';
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}

/** Horizontal bars of Nodis/Redis ratios, one per test and pipeline depth, with the 1.0 line. */
export function renderChart(r: BenchResult): string {
  const rows = r.rows.filter((x) => x.ratio !== null);
  const barH = 16;
  const gap = 6;
  const left = 150;
  const width = 640;
  const scaleMax = Math.max(1.5, ...rows.map((x) => x.ratio!));
  const plotW = width - left - 60;
  const height = 40 + rows.length * (barH + gap) + 20;
  const x = (v: number) => left + (v / scaleMax) * plotW;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="20" font-size="14">Nodis / Redis ${esc(r.redisVersion)} throughput (higher is better)</text>`,
  ];
  rows.forEach((row, i) => {
    const y = 36 + i * (barH + gap);
    const ratio = row.ratio!;
    const color = row.pipeline > 1 ? '#4a7bd0' : '#e08a2c';
    parts.push(`<text x="${left - 8}" y="${y + barH - 4}" text-anchor="end">${esc(row.test)} -P ${row.pipeline}</text>`);
    parts.push(`<rect x="${left}" y="${y}" width="${(x(ratio) - left).toFixed(1)}" height="${barH}" fill="${color}"/>`);
    parts.push(`<text x="${(x(ratio) + 4).toFixed(1)}" y="${y + barH - 4}">${ratio.toFixed(2)}</text>`);
  });
  const one = x(1);
  parts.push(`<line x1="${one}" x2="${one}" y1="30" y2="${height - 16}" stroke="#333" stroke-dasharray="4 3"/>`);
  parts.push(`<text x="${one}" y="${height - 4}" text-anchor="middle">1.0 = Redis</text>`);
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
