"""Sections of the city brief as the notebook shows them: one call per notebook cell.

Each ``show_*`` function displays a heading in the brief's language and its content
(tables as plain HTML without the index, charts as figures; text that comes from data is
HTML-escaped and never read as Markdown), so
``notebooks/city_brief.ipynb`` holds no logic of its own.
"""

from __future__ import annotations

import html as _html

import pandas as pd

from .tables import BriefTables, show_summary

__all__ = [
    "show_accuracy", "show_charts", "show_headline", "show_sources", "show_summary", "show_targets",
    "show_vintage",
]

_H = {
    "zh": {"title": "科技创新目标简报", "targets": "目标与达成概率", "charts": "走势与预测",
           "growth": "所需增速与历史增速", "accuracy": "预测方法的回测精度", "sources": "数据来源",
           "vintage": "数据版本", "none": "无",
           "fan_note": "实线与圆点为历史数据（空心为估计值，三角为年内累计），虚线为预测中位数，深浅阴影为80%和95%预测区间，"
                       "菱形为目标，星号为力争目标。",
           "acc_note": "回测：把数据截断在两年前，只用当时已有的数据重新选择模型、校准区间并预测最近两年，"
                       "再与实际值比较（同一指标所有地区的序列合并计算）。sMAPE越小越准；MASE小于1表示优于朴素法"
                       "（沿用上年值）；覆盖率接近80%和95%说明区间可信，标“偏窄”的指标区间在回测中明显过窄，"
                       "其达成概率应谨慎看待。",
           "no_chart": "以下指标没有可画的数据："},
    "en": {"title": "Innovation targets brief", "targets": "Targets and their chances", "charts": "History and forecast",
           "growth": "Required against historical growth", "accuracy": "Backtest accuracy of the method",
           "sources": "Sources", "vintage": "Data vintage", "none": "none",
           "fan_note": "Solid line and dots: history (hollow: estimates, triangles: year to date); dashed: forecast "
                       "median; shades: 80% and 95% intervals; diamond: target; star: stretch target.",
           "acc_note": "Backtest: the data are cut two years before their end, the model choice and intervals "
                       "refitted on what was known then, and the last two years forecast and scored "
                       "against what happened (all regions' series of the indicator pooled). Lower sMAPE is better; "
                       "MASE below 1 beats the naive forecast (last year's value); coverage near 80% and 95% means "
                       "the intervals can be trusted; 'too narrow' marks an indicator whose intervals missed far "
                       "too often in the backtest, so read its probabilities with care.",
           "no_chart": "No data to chart for: "},
}


def _d(obj) -> None:
    from IPython.display import display

    display(obj)


def _md(text: str) -> None:
    from IPython.display import Markdown

    _d(Markdown(text))


def _text(text: str, tag: str = "p") -> None:
    """Show text from data (quotes, names, explanations) as escaped HTML: never parsed as Markdown,
    so ``[x](javascript:…)`` or ``<img …>`` in a targets file stays text."""
    from IPython.display import HTML

    _d(HTML(f"<{tag}>{_html.escape(str(text))}</{tag}>"))


def _table(df: pd.DataFrame) -> None:
    from IPython.display import HTML

    _d(HTML(df.to_html(index=False, escape=True, border=0, classes="brief-table", na_rep="–")))


def show_headline(bt: BriefTables) -> None:
    """Title, headline paragraph, and the summary the batch index reads."""
    H = _H[bt.lang]
    name = bt.region if bt.lang == "zh" else f"{bt.region_en} {bt.region}"
    as_of = f"（截至{bt.as_of}年数据）" if bt.lang == "zh" and bt.as_of else (f" (data to {bt.as_of})" if bt.as_of else "")
    _text(f"{name} {H['title']}{as_of}", "h1")
    _text(bt.headline, "strong")
    show_summary(bt)


def show_targets(bt: BriefTables) -> None:
    """One table per target, with the explanation and the promise as written (and its document)."""
    H = _H[bt.lang]
    _md(f"## {H['targets']}")
    if not bt.target_tables:
        _md(H["none"])
        return
    for t in bt.target_tables:
        _text(t["title"], "h3")
        _table(t["table"])
        _text(t["explanation"])
        quote = f"「{t['quote']}」" if bt.lang == "zh" else f"“{t['quote']}”"
        src = f" — {t['doc']}" if t["doc"] else ""
        _text(quote + src, "blockquote")


def show_charts(bt: BriefTables) -> None:
    """Fan charts of every indicator with data, then required against historical growth."""
    import matplotlib.pyplot as plt

    from .charts import fan_chart, growth_chart

    H = _H[bt.lang]
    _md(f"## {H['charts']}\n\n{H['fan_note']}")
    have = set(bt.history["indicator"]) | set(bt.forecasts["indicator"])
    inds = [i for i in bt.indicators if i in have]
    missing = [i for i in bt.indicators if i not in have]
    if inds:
        fig = fan_chart(bt.history, bt.forecasts, bt.assessment, indicators=inds, lang=bt.lang)
        plt.show()
        plt.close(fig)
    if missing:
        from .charts import indicator_label

        sep = "、" if bt.lang == "zh" else ", "
        _text(H["no_chart"] + sep.join(indicator_label(i, bt.lang, unit=False) for i in missing))
    if len(bt.assessment):
        _md(f"## {H['growth']}")
        fig = growth_chart(bt.assessment, lang=bt.lang)
        plt.show()
        plt.close(fig)


def show_accuracy(bt: BriefTables) -> None:
    H = _H[bt.lang]
    _md(f"## {H['accuracy']}\n\n{H['acc_note']}")
    _table(bt.accuracy)


def show_sources(bt: BriefTables) -> None:
    H = _H[bt.lang]
    _md(f"## {H['sources']}")
    _table(bt.sources)


def show_vintage(bt: BriefTables) -> None:
    H = _H[bt.lang]
    computed = "计算时间" if bt.lang == "zh" else "computed"
    _md(f"## {H['vintage']}")
    _text(bt.vintage)
    _text(f"innovation_forecast {bt.version} · {computed} {bt.created}")
