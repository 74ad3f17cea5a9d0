// Enumerations shared by the device contract, the API and the console.
// Each list is written once here; types are derived with z.infer (STYLE.md: never list an enum twice).
import { z } from 'zod';

/** How a device obtained a fix (ARCHITECTURE.md wire contract, `src`). */
export const FixSource = z.enum(['gnss', 'wifi', 'cell']);
export type FixSource = z.infer<typeof FixSource>;

/** Device-side events on `em/v1/devices/{id}/events`. */
export const DeviceEventType = z.enum([
  'strap_tamper',
  'case_open',
  'battery_low',
  'charging_start',
  'charging_stop',
  'power_off',
  'power_on',
  'no_motion',
  'heartbeat',
  'sos',
]);
export type DeviceEventType = z.infer<typeof DeviceEventType>;

/** Supervision category (分类管理): sets reporting interval, lost-contact timeout, escalation speed. */
export const SupervisionLevel = z.enum(['strict', 'normal', 'lenient']);
export type SupervisionLevel = z.infer<typeof SupervisionLevel>;

/** Zone kinds and what they mean are in DOMAIN.md and issue 4. */
export const ZoneKind = z.enum(['residence', 'jurisdiction', 'leave', 'prohibition', 'protected_person']);
export type ZoneKind = z.infer<typeof ZoneKind>;

/** Alert kinds seen in practice (DOMAIN.md). One incident per person, kind and episode. */
export const AlertKind = z.enum([
  'curfew_breach', // 越界: outside residence during curfew window
  'jurisdiction_exit', // 不假外出: left county/city without a covering leave permit
  'leave_overdue', // 请假逾期: not back inside the jurisdiction by the end of leave (+ grace)
  'prohibition_entry', // 禁止令区域: entered an exclusion zone (Art. 31)
  'protected_person_proximity', // within R of a protected person's fresh position (real proximity only)
  // Protected person's phone has no fresh fix, so proximity cannot be judged. Its own kind (not
  // protected_person_proximity) so a later true approach opens its own critical incident; it
  // clears by itself once the phone is fresh again (not in NEEDS_OFFICER_TO_CLOSE).
  'proximity_unknown',
  'lost_contact', // 失联/脱网: no fix for longer than the level's interval (Art. 30)
  'strap_tamper', // 拆卸/剪断
  'battery_low', // 低电量
  'power_off', // device switched off
  'person_device_separation', // 人机分离: ankle monitor still while the person's phone moves
  'gathering', // 同案犯聚集: linked supervisees together
]);
export type AlertKind = z.infer<typeof AlertKind>;

export const Severity = z.enum(['critical', 'high', 'medium', 'low']);
export type Severity = z.infer<typeof Severity>;

/** Legal grounds for an EM order (Community Corrections Law Art. 29). */
export const EmGround = z.enum([
  'violated_prohibition_order', // 违反人民法院禁止令
  'left_without_approval', // 无正当理由未经批准离开所居住的市、县
  'refused_report_after_warning', // 拒不按照规定报告自己的活动情况，被给予警告
  'public_security_penalty', // 违反监督管理规定，被给予治安管理处罚
  'pending_revocation', // 拟提请撤销缓刑、假释或者暂予监外执行收监执行
]);
export type EmGround = z.infer<typeof EmGround>;

export const Role = z.enum(['officer', 'supervisor', 'administrator', 'auditor']);
export type Role = z.infer<typeof Role>;

export const OrgLevel = z.enum(['city', 'county', 'office']);
export type OrgLevel = z.infer<typeof OrgLevel>;
