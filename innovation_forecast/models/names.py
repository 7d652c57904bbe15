"""Model names as readers see them.

The engine writes identifiers into the ``model`` column (``theta``, ``drift_level``, ``median of 20:
pooled, drift, ...``, and feasibility adds ``+ peer growth (50% of paths)``). English text shows them
as they are; Chinese text (briefs, review explanations) names every method in Chinese.
"""

from __future__ import annotations

import re

__all__ = ["MODEL_NAMES_ZH", "model_label"]

#: Chinese names of the single models (the ``_level`` variants, fitted on levels instead of logs,
#: add 水平值).
MODEL_NAMES_ZH: dict[str, str] = {
    "naive": "朴素法",
    "drift": "漂移法",
    "loglinear": "对数线性趋势",
    "robust_trend": "稳健趋势",
    "ets": "阻尼指数平滑",
    "theta": "Theta法",
    "dotm": "动态优化Theta法",
    "arima": "ARIMA",
    "pooled": "面板合并增长",
    "global_ar": "全局自回归",
    "ces": "复指数平滑",
    "peer growth": "同类地区增长",
}

_HOW_ZH = {"median": "中位数", "mean": "平均", "trimmed mean": "截尾平均"}


def model_label(model: str, lang: str = "en") -> str:
    """The engine's model name for a reader in ``lang`` (``"en"``: unchanged; ``"zh"``: in Chinese).

    >>> model_label("median of 20: pooled, drift_level, theta, arima, ...", "zh")
    '20个模型的中位数（面板合并增长、漂移法（水平值）、Theta法、ARIMA、…）'
    >>> model_label("pooled + peer growth (50% of paths)", "zh")
    '面板合并增长 + 同类地区增长（占50%路径）'
    """
    s = str(model or "").strip()
    if lang != "zh" or not s:
        return s
    m = re.match(r"^(.*?)( #\d+)$", s)  # run-unique suffix of an ensemble name
    if m:
        return model_label(m.group(1), lang) + m.group(2)
    m = re.match(r"^(.*) \+ peer growth \((\d+)% of paths\)$", s)
    if m:
        return f"{model_label(m.group(1), lang)} + 同类地区增长（占{m.group(2)}%路径）"
    m = re.match(r"^(median|mean|trimmed mean) of (\d+): (.*)$", s)
    if m:
        members = ["…" if x.strip() in ("...", "…") else model_label(x.strip(), lang)
                   for x in m.group(3).split(",")]
        return f"{m.group(2)}个模型的{_HOW_ZH[m.group(1)]}（{'、'.join(members)}）"
    m = re.match(r"^(median|mean)\((.*)\)$", s)  # a combination such as median(theta,ets_level)
    if m:
        return f"{_HOW_ZH[m.group(1)]}（{'、'.join(model_label(x.strip(), lang) for x in m.group(2).split(','))}）"
    base, level = (s[: -len("_level")], True) if s.endswith("_level") else (s, False)
    if base in MODEL_NAMES_ZH:
        return MODEL_NAMES_ZH[base] + ("（水平值）" if level else "")
    return s
