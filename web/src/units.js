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
