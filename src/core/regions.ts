/**
 * 重庆市 administrative division codes (行政区划代码, GB/T 2260, as published by the Ministry of Civil
 * Affairs), districts and counties as of 2016–2024: 26 市辖区 (5001xx) and 12 县/自治县 (5002xx).
 * Historical codes of counties that became districts (e.g. 500222 綦江县 → 500110 綦江区 in 2011,
 * 500223 潼南县 → 500152 潼南区 in 2015, 500234 开县 → 500154 开州区 in 2016, 500228 梁平县 → 500155 梁平区
 * and 500232 武隆县 → 500156 武隆区 in 2016) are not listed; old credit codes may still contain them.
 *
 * Pure module (no I/O).
 */

export interface Region {
  code: string;
  name: string;
}

export const CHONGQING_REGIONS: readonly Region[] = Object.freeze(
  [
    { code: '500101', name: '万州区' },
    { code: '500102', name: '涪陵区' },
    { code: '500103', name: '渝中区' },
    { code: '500104', name: '大渡口区' },
    { code: '500105', name: '江北区' },
    { code: '500106', name: '沙坪坝区' },
    { code: '500107', name: '九龙坡区' },
    { code: '500108', name: '南岸区' },
    { code: '500109', name: '北碚区' },
    { code: '500110', name: '綦江区' },
    { code: '500111', name: '大足区' },
    { code: '500112', name: '渝北区' },
    { code: '500113', name: '巴南区' },
    { code: '500114', name: '黔江区' },
    { code: '500115', name: '长寿区' },
    { code: '500116', name: '江津区' },
    { code: '500117', name: '合川区' },
    { code: '500118', name: '永川区' },
    { code: '500119', name: '南川区' },
    { code: '500120', name: '璧山区' },
    { code: '500151', name: '铜梁区' },
    { code: '500152', name: '潼南区' },
    { code: '500153', name: '荣昌区' },
    { code: '500154', name: '开州区' },
    { code: '500155', name: '梁平区' },
    { code: '500156', name: '武隆区' },
    { code: '500229', name: '城口县' },
    { code: '500230', name: '丰都县' },
    { code: '500231', name: '垫江县' },
    { code: '500233', name: '忠县' },
    { code: '500235', name: '云阳县' },
    { code: '500236', name: '奉节县' },
    { code: '500237', name: '巫山县' },
    { code: '500238', name: '巫溪县' },
    { code: '500240', name: '石柱土家族自治县' },
    { code: '500241', name: '秀山土家族苗族自治县' },
    { code: '500242', name: '酉阳土家族苗族自治县' },
    { code: '500243', name: '彭水苗族土家族自治县' },
  ].map((r) => Object.freeze(r)),
);

const BY_CODE: ReadonlyMap<string, string> = new Map(CHONGQING_REGIONS.map((r) => [r.code, r.name]));

/** The district/county name for a 重庆 code, or undefined. */
export function chongqingRegionName(code: string): string | undefined {
  return BY_CODE.get(code);
}

export function isChongqingRegionCode(code: string): boolean {
  return BY_CODE.has(code);
}
