// The sampled review's evidence bundle as a PDF for people (issue 9 item 5): the same content as the
// JSON bundle, laid out in Chinese with English headings, every page footed with the sha256 of the
// JSON content, so a reader can match the paper to the machine-checkable file.
//
// The CJK font is Noto Sans (Simplified Chinese) from the npm package @embedpdf/fonts-sc (OFL), so a
// clean clone with only Node.js renders Chinese; pdfkit embeds only the glyphs used (a subset).
// Why pdfkit: docs/decisions/0008-oversight-charts-and-pdf.md.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import PDFDocument from 'pdfkit';
import type { AlertKind, EmGround, ZoneKind } from '../../schemas/enums.js';
import type { Disposition } from '../incidents/incident-actions.js';
import type { readEvidence } from './readers.js';

export type EvidenceContent = Awaited<ReturnType<typeof readEvidence>> & { generatedAt: string };

const GROUND: Record<EmGround, string> = {
  violated_prohibition_order: '违反人民法院禁止令',
  left_without_approval: '未经批准离开所居住的市、县',
  refused_report_after_warning: '拒不报告活动情况，被给予警告',
  public_security_penalty: '违反监督管理规定，被给予治安管理处罚',
  pending_revocation: '拟提请撤销缓刑、假释或暂予监外执行',
};
const KIND: Record<AlertKind, string> = {
  curfew_breach: '宵禁越界',
  jurisdiction_exit: '不假外出',
  leave_overdue: '请假逾期未归',
  prohibition_entry: '进入禁止令区域',
  protected_person_proximity: '接近被保护人',
  proximity_unknown: '被保护人位置未知',
  lost_contact: '失联',
  strap_tamper: '设备拆卸',
  battery_low: '低电量',
  power_off: '设备关机',
  person_device_separation: '人机分离',
  gathering: '同案犯聚集',
};
const DISPOSITION: Record<Disposition | 'condition_cleared', string> = {
  false_alarm: '误报',
  device_fault: '设备故障',
  contacted: '已联系本人',
  warned: '已训诫警告',
  police_notified: '已通报公安',
  returned: '已返回',
  other: '其他',
  condition_cleared: '条件解除自动办结',
};
const ZONE: Record<ZoneKind, string> = {
  residence: '居住地',
  jurisdiction: '辖区边界',
  leave: '请假目的地',
  prohibition: '禁止令区域',
  protected_person: '被保护人',
};
const LEVEL: Record<string, string> = { strict: '严管', normal: '普管', lenient: '宽管' };
const label = (map: Record<string, string>, key: unknown) =>
  typeof key === 'string' ? (map[key] ? `${map[key]} (${key})` : key) : '—';

/** China Standard Time, the time officers and prosecutors read (no daylight saving). */
export function beijingTime(iso: unknown): string {
  if (typeof iso !== 'string') return '—';
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '—';
  return `${new Date(t + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ')}`;
}

let fontCache: Buffer | undefined;
function cjkFont(): Buffer {
  if (!fontCache) {
    // The package exports only its font list (dist/); the font files sit beside it in fonts/.
    const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-sc');
    fontCache = readFileSync(join(dirname(entry), '..', 'fonts', 'NotoSansHans-Regular.otf'));
  }
  return fontCache;
}

export interface EvidencePdfInput {
  readonly content: EvidenceContent;
  readonly sha256: string;
  /** Display names of units and users named in the bundle (ids otherwise). */
  readonly names: ReadonlyMap<string, string>;
  readonly requestedBy: string;
}

// biome-ignore lint/suspicious/noExplicitAny: bundle rows are JSON from readEvidence, read field by field
type Row = Record<string, any>;

export function renderEvidencePdf(input: EvidencePdfInput): Promise<Buffer> {
  const { content, sha256, names } = input;
  const name = (id: unknown) => (typeof id === 'string' ? (names.get(id) ?? id) : '—');
  const doc = new PDFDocument({
    size: 'A4',
    margins: { top: 56, bottom: 64, left: 56, right: 56 },
    bufferPages: true,
    info: {
      Title: `抽查核查证据材料 ${content.person?.name ?? ''}`,
      Subject: 'Sampled review evidence bundle',
      Keywords: `sha256:${sha256}`,
      Creator: 'em-telemetry',
    },
  });
  doc.registerFont('cjk', cjkFont());
  doc.font('cjk');
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const heading = (zh: string, en: string) => {
    if (doc.y > doc.page.height - 140) doc.addPage();
    doc.moveDown(0.8).fontSize(13).fillColor('#1f3a5f');
    doc.text(`${zh}  ${en}`, doc.page.margins.left, doc.y);
    const y = doc.y + 2;
    doc
      .moveTo(doc.page.margins.left, y)
      .lineTo(doc.page.width - doc.page.margins.right, y)
      .strokeColor('#9aa5b1')
      .lineWidth(0.5)
      .stroke();
    doc.moveDown(0.4).fontSize(9.5).fillColor('#111827');
  };
  const line = (text: string, indent = 0) => doc.text(text, doc.page.margins.left + indent, doc.y);
  const none = () => line('（无 none）');

  const p = content.person as Row | null;
  doc.fontSize(17).fillColor('#111827').text('社区矫正电子监管 · 抽查核查证据材料', { align: 'center' });
  doc
    .fontSize(10)
    .fillColor('#4b5563')
    .text('Sampled review evidence bundle (五查四核)', { align: 'center' });
  doc.moveDown(1).fontSize(10.5).fillColor('#111827');
  line(`监管对象 Person: ${p?.name ?? '—'}    编号 ID: ${p?.id ?? '—'}`);
  line(`管理类别 Level: ${label(LEVEL, p?.level)}    所属司法所 Office: ${name(p?.orgUnitId)}`);
  line(`责任工作人员 Officer: ${name(p?.officerId)}`);
  line(
    `生成时间 Generated: ${beijingTime(content.generatedAt)} (UTC+8)    调阅人 Requested by: ${input.requestedBy}`,
  );

  heading('电子定位监管决定及审批', 'EM orders and approvals (Art. 29)');
  const orders = content.orders as Row[];
  if (!orders.length) none();
  for (const o of orders) {
    line(`决定书编号 Order ${o.id}`);
    line(`依据 Ground: ${label(GROUND, o.ground)}`, 12);
    line(`批准人 Approver: ${o.approver ?? '—'}    批准时间 Approved: ${beijingTime(o.approvedAt)}`, 12);
    line(`期限 Period: ${beijingTime(o.startsAt)} — ${beijingTime(o.endsAt)}`, 12);
    if (o.renewsOrderId) line(`续期自 Renews: ${o.renewsOrderId}`, 12);
    if (o.revokedAt) line(`撤销 Revoked: ${beijingTime(o.revokedAt)}`, 12);
  }

  heading('适用区域', 'Zones');
  const zones = content.zones as Row[];
  if (!zones.length) none();
  for (const z of zones) line(`${label(ZONE, z.kind)} · ${z.name} (${z.id})`);

  heading('请假外出', 'Leave permits (Art. 27)');
  const leave = content.leavePermits as Row[];
  if (!leave.length) none();
  for (const l of leave) {
    line(
      `${beijingTime(l.startsAt)} — ${beijingTime(l.endsAt)} · ${l.status} · 审批 ${name(l.approvedByUserId)}` +
        `${l.approverLevel ? ` (${l.approverLevel})` : ''}${l.returnedAt ? ` · 销假 ${beijingTime(l.returnedAt)}` : ''}`,
    );
    if (l.reason) line(`事由 Reason: ${l.reason}`, 12);
  }

  heading('报警事件及处置经过', 'Incidents and handling history');
  const incidents = content.incidents as Row[];
  if (!incidents.length) none();
  for (const i of incidents) {
    line(`#${i.id} ${label(KIND, i.kind)} · ${i.severity} · ${i.state} · 发生 ${beijingTime(i.openedAt)}`);
    if (i.disposition) line(`处置结果 Disposition: ${label(DISPOSITION, i.disposition)}`, 12);
    if (i.note) line(`处置说明 Note: ${i.note}`, 12);
    for (const e of i.history as Row[]) line(`${beijingTime(e.at)}  ${e.action}  ${name(e.actor)}`, 24);
  }

  heading('轨迹概况', 'Track summary (no positions)');
  const track = content.track;
  line(`定位点数 Fixes: ${track.fixes}    有定位的天数 Days with fixes: ${track.daysWithFixes}`);
  line(`首个 First: ${beijingTime(track.first)}    最后 Last: ${beijingTime(track.last)}`);

  heading('查阅记录', 'Who viewed or acted on this person (audit log)');
  if (!content.viewedBy.length) none();
  for (const a of content.viewedBy) {
    line(
      `${beijingTime(a.at)}  ${name(a.actorUserId)} (${a.actorRole ?? '—'})  ${a.action}` +
        `${a.purpose ? `  事由: ${a.purpose}` : ''}  [#${a.auditId}]`,
    );
  }

  // Footers last, on every buffered page: the hash ties each sheet to the JSON bundle.
  const range = doc.bufferedPageRange();
  for (let i = range.start; i < range.start + range.count; i++) {
    doc.switchToPage(i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .fontSize(7.5)
      .fillColor('#6b7280')
      .text(
        `SHA-256 (JSON content): ${sha256}    第 ${i + 1} / ${range.count} 页`,
        doc.page.margins.left,
        doc.page.height - 40,
        { lineBreak: false },
      );
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
