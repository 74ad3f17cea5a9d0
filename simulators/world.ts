// A synthetic Ziyang, Sichuan (30.12 N, 104.63 E): the county (Yanjiang district) boundary, towns
// outside it, and exclusion sites (禁止令: bars, a school, a victim's workplace...). All invented;
// only the centre is real. Homes and daily places are drawn inside, away from every exclusion site.
import { circleAround, distanceM, distanceToSegmentM, type LatLon, offset, polygonOf } from './geo.js';
import type { Rng } from './rng.js';

export const ZIYANG: LatLon = { lat: 30.12, lon: 104.63 };

/** Irregular octagon, 18–23 km from the centre: convex, so a straight trip between inside points stays inside. */
const COUNTY_RADII_KM = [19, 22, 20, 18, 21, 23, 19, 20];
export const COUNTY_POINTS: readonly LatLon[] = COUNTY_RADII_KM.map((km, i) => {
  const a = (i * Math.PI) / 4;
  return offset(ZIYANG, km * 1000 * Math.sin(a), km * 1000 * Math.cos(a));
});
export const COUNTY = {
  id: 'sim-county-yanjiang',
  orgUnitId: 'yanjiang',
  name: '雁江区 (simulated)',
  geometry: polygonOf(COUNTY_POINTS),
};

/** Towns outside the county: destinations of leave and of unapproved trips. */
export const TOWNS_OUTSIDE: readonly { name: string; at: LatLon }[] = [
  { name: '简阳 Jianyang', at: offset(ZIYANG, -9_000, 33_000) },
  { name: '乐至 Lezhi', at: offset(ZIYANG, 31_000, 14_000) },
  { name: '安岳 Anyue', at: offset(ZIYANG, 27_000, -26_000) },
  { name: '仁寿 Renshou', at: offset(ZIYANG, -34_000, -12_000) },
];

export interface ExclusionSite {
  readonly id: string;
  readonly name: string;
  readonly at: LatLon;
  readonly radiusM: number;
}

/** Shared prohibition zones; each supervisee is assigned some of them (assignTo). */
export const EXCLUSION_SITES: readonly ExclusionSite[] = [
  {
    id: 'sim-proh-ktv',
    name: '歌舞厅 (entertainment venue)',
    at: offset(ZIYANG, 1_800, 2_400),
    radiusM: 150,
  },
  { id: 'sim-proh-bar', name: '酒吧街 (bar street)', at: offset(ZIYANG, -2_600, 1_200), radiusM: 200 },
  { id: 'sim-proh-school', name: '小学 (primary school)', at: offset(ZIYANG, 3_100, -2_200), radiusM: 120 },
  { id: 'sim-proh-net', name: '网吧 (internet café)', at: offset(ZIYANG, -1_500, -3_300), radiusM: 100 },
  { id: 'sim-proh-casino', name: '棋牌室 (gambling hall)', at: offset(ZIYANG, 5_200, 4_100), radiusM: 150 },
  { id: 'sim-proh-square', name: '广场 (victim workplace)', at: offset(ZIYANG, -4_700, 3_900), radiusM: 180 },
];

export function exclusionZone(site: ExclusionSite) {
  return {
    id: site.id,
    kind: 'prohibition' as const,
    orgUnitId: 'yanjiang',
    name: site.name,
    geometry: circleAround(site.at, site.radiusM),
  };
}

/** Clearance kept between ordinary trips and any exclusion site, metres beyond its radius. */
const SITE_CLEARANCE_M = 400;
/** Distance kept from the county boundary by ordinary places, metres. */
const BORDER_CLEARANCE_M = 3_000;

export function clearOfSites(p: LatLon): boolean {
  return EXCLUSION_SITES.every((s) => distanceM(p, s.at) > s.radiusM + SITE_CLEARANCE_M);
}

export function routeClearOfSites(a: LatLon, b: LatLon): boolean {
  return EXCLUSION_SITES.every((s) => distanceToSegmentM(s.at, a, b) > s.radiusM + SITE_CLEARANCE_M);
}

/** A place `minM`–`maxM` from `from`, clear of sites, reached from each of `routesFrom` on a clear straight route. */
export function placeNear(
  rng: Rng,
  from: LatLon,
  minM: number,
  maxM: number,
  routesFrom: readonly LatLon[] = [from],
): LatLon {
  for (let attempt = 0; attempt < 500; attempt++) {
    const r = rng.uniform(minM, maxM);
    const a = rng.uniform(0, 2 * Math.PI);
    const p = offset(from, r * Math.sin(a), r * Math.cos(a));
    if (distanceM(p, ZIYANG) > 16_000 - BORDER_CLEARANCE_M) continue;
    if (clearOfSites(p) && routesFrom.every((q) => routeClearOfSites(q, p))) return p;
  }
  throw new Error('world: no clear place found (exclusion sites too dense)');
}

/** A home within 8 km of the centre. */
export function homeLocation(rng: Rng): LatLon {
  return placeNear(rng, ZIYANG, 300, 8_000, []);
}
