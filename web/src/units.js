// Numbers as users read them: volumes in 万 m³ (10⁴ m³) where Chinese users expect it, money as
// the exact decimal string the API sends (never through a float).
export function wanM3(volumeM3) {
  return (volumeM3 / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 2 });
}

export function money(decimalText) {
  return decimalText;
}
