// Numbers as users read them: volumes in 万 m³ (10⁴ m³) where Chinese users expect it, money as
// the exact decimal string the API sends (never through a float), durations as d hh:mm:ss.
export function wanM3(volumeM3) {
  return (volumeM3 / 10000).toLocaleString("zh-CN", { maximumFractionDigits: 2 });
}

export function countdown(milliseconds, dayUnit) {
  const seconds = Math.max(0, Math.floor(milliseconds / 1000));
  const days = Math.floor(seconds / 86400);
  const clock = [Math.floor(seconds / 3600) % 24, Math.floor(seconds / 60) % 60, seconds % 60]
    .map((part) => String(part).padStart(2, "0"))
    .join(":");
  return days > 0 ? `${days} ${dayUnit} ${clock}` : clock;
}

/** 万 m³ as typed, in m³ exactly (decimal digits, no float: "240" → 2400000); anything else is
 * returned as typed, for the API to refuse by name. */
export function wanToM3(text) {
  const match = /^\s*(\d+)(?:\.(\d{0,4}))?\s*$/.exec(text);
  return match ? Number(match[1]) * 10000 + Number((match[2] ?? "").padEnd(4, "0")) : text;
}

/** A date string one contract year later ("2021-08-15" → "2022-08-15"). */
export function nextYear(day) {
  return `${Number(day.slice(0, 4)) + 1}${day.slice(4)}`;
}
