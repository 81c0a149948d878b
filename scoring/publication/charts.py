"""Charts as SVG markup, rendered on the server (no script, no external library): the same markup goes into
the pages and the PDF. Every chart has a <title> and an aria-label, and the page shows the same figures in
a table beside it, so nothing depends on seeing the picture."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

INK = "#1b1b1b"
BAR = "#1f4e79"  # 8.9:1 on white
BAR_ALT = "#a04a00"  # 5.6:1 on white
GRID = "#c8ced6"
FONT = 'font-family="Noto Sans, DejaVu Sans, Arial, sans-serif"'


def vn(value: Decimal | int | float, places: int = 2) -> str:
    """A number as the page's language writes it, as the tables beside the charts do (Vietnamese "99,95",
    English "99.95"); the PDF report is drawn in Vietnamese."""
    q = Decimal(str(value)).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return number_format(q, places, use_l10n=True, force_grouping=True)


MINUS = "\u2212"  # the minus sign the pages write a negative index and a penalty with (`scoring_tags`)


def vn_value(value: Decimal | int | float) -> str:
    """A value a chart draws (an index, points), two decimals, with the true minus sign as the pages write an index
    («−2,00», never «-2,00»); «0,00» never «−0,00»."""
    q = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    return (MINUS if q < 0 else "") + vn(abs(q))


def _f(value: Decimal | float | int) -> str:
    return f"{float(value):.1f}"


# Every chart is drawn WIDTH units wide and shown at its own size (never enlarged): one unit is one CSS pixel on
# a desktop, and a phone's column of about 335 px (375 px less the page's margins) shrinks it by less than 2 %,
# so its FONT_SIZE text reads at 13 px, never below 11 px down to a 300 px column. Labels therefore sit above
# their bars rather than beside them, and the histogram's bins are rows.
WIDTH = 340
FONT_SIZE = 13
# The narrowest column a chart is read in at FONT_SIZE ≥ 11 px (a 320 px phone less its margins is 290 px).
NARROWEST = 290
_LABEL_CHARS = 46  # characters of a label that fit WIDTH at FONT_SIZE (Vietnamese text, about 7 px a character)
CHAR_W = 7  # about one character of Vietnamese text at FONT_SIZE
LINE_H = 16  # one more line of a label that wraps
# The PDF report's charts are drawn as wide as an A4 page's text (182 mm, about 688 px): shown at their own size.
PRINT_WIDTH = 680
# A ranking chart on a page spans its column (`fluid`): its bars end at this share of the width, the rest is the room
# for the value after the longest bar («100,00», about 46 px of a 290 px column).
FLUID_BARS = Decimal("0.82")


@dataclass(frozen=True)
class Name:
    """A chart's text alternative as HTML, for one that holds data in another language than the page's (a group's
    name on an English page, marked `<span lang="vi">`): an attribute or an SVG <title> cannot mark a part of its
    text, so the chart is labelled by a hidden element after it (`id`) holding `html` (escaped by its maker)."""

    id: str
    html: SafeString


def _named(title: str, label: str, name: Name | None, *, suffix: str = "") -> tuple[str, str, str]:
    """The SVG's naming attribute, its <title> element and the HTML after it: `aria-label` and <title> by default,
    or `aria-labelledby` the hidden element of `name` (followed by `suffix`, as the label is by the scale), no
    <title> (it would be read as a description, in the page's voice)."""
    if name is None:
        return f'aria-label="{escape(label or title)}"', f"<title>{escape(title)}</title>", ""
    return (f'aria-labelledby="{escape(name.id)}"', "",
            f'<span id="{escape(name.id)}" hidden>{name.html}{escape(suffix)}</span>')


def _data(lang: str) -> str:
    """The attribute marking a drawn name (a unit's, an area's) in `lang`, the language of the data, when the page
    is in another one."""
    return f' lang="{escape(lang)}"' if lang else ""


def _svg(width: int, height: int, title: str, body: list[str], *, label: str = "", name: Name | None = None,
         suffix: str = "") -> SafeString:
    naming, title_element, after = _named(title, label, name, suffix=suffix)
    return mark_safe(  # noqa: S308 — every text inside is escaped above or below
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" {naming} {FONT} '
        f'font-size="{FONT_SIZE}">{title_element}{"".join(body)}</svg>{after}'
    )


def _short(label: str, limit: int = _LABEL_CHARS) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _lines(label: str, limit: int) -> list[str]:
    """A label broken between words into lines of at most `limit` characters (a word longer than a line is a line):
    an area's name is never cut off."""
    lines: list[str] = []
    for word in label.split():
        if lines and len(lines[-1]) + 1 + len(word) <= limit:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _label(x: int, y: int, lines: list[str], *, lang: str = "") -> str:
    """A text of one or more lines, the first on the baseline `y`; `lang`: the language it is in, when not the
    page's (`_data`)."""
    if len(lines) == 1:
        return f'<text x="{x}" y="{y}" fill="{INK}"{_data(lang)}>{escape(lines[0])}</text>'
    spans = "".join(f'<tspan x="{x}" dy="{0 if n == 0 else LINE_H}">{escape(line)}</tspan>'
                    for n, line in enumerate(lines))
    return f'<text x="{x}" y="{y}" fill="{INK}"{_data(lang)}>{spans}</text>'


VALUE_W = 52  # room right of a bar for its value («100,00»)


SCALE_MAX = Decimal("100")  # the index's standard maximum in the province's sets
GRID_STEPS = 4  # gridlines at every quarter of the scale: 0, 25, 50, 75, 100


def scale_top(values: Sequence[Decimal], scale_max: Decimal | None = None) -> Decimal:
    """The top of a chart's fixed scale: the set's standard maximum (100), or the largest value when a bonus
    takes it above. Never the largest value shown otherwise: a chart drawn to its own data makes a small change
    (or the top of every group) look as large as any other."""
    return max([*values, scale_max or SCALE_MAX])


def _ticks(scale_max: Decimal | None) -> list[Decimal]:
    """The labelled gridlines: every quarter of the standard maximum (0, 25, 50, 75, 100)."""
    full = scale_max or SCALE_MAX
    return [full * n / GRID_STEPS for n in range(GRID_STEPS + 1)]


def _tick(value: Decimal) -> str:
    return vn(value, 0 if value % 1 == 0 else 2)


def scale_text(top: Decimal) -> str:
    """The scale in words, for a chart's text alternative."""
    return gettext("thang chung từ 0 đến %(top)s điểm") % {"top": _tick(top)}


def ranking_bars(
    items: Sequence[tuple[str, Decimal]], *, title: str, scale_max: Decimal | None = None, width: int = WIDTH,
    fluid: bool = False, data_lang: str = "", name: Name | None = None,
) -> SafeString:
    """Horizontal bars, one per unit in the given (published) order: the unit's name above its bar, the index at
    the bar's end. Every group's chart on one scale (`scale_top`: 0 to the standard maximum, or the largest index
    when above it), with gridlines and an axis labelled 0, 25, 50, 75, 100 below the bars: the top of a group
    gets a full bar only when it scored the maximum. `width` units wide (the PDF's: `PRINT_WIDTH`); `fluid`, for a
    page: as wide as its column, the bars and gridlines placed in shares of the width and the text at its own size
    (no viewBox, so nothing is enlarged or shrunk), the bars ending at `FLUID_BARS` of it. `data_lang`: the language
    of the units' names when not the page's (they are drawn marked so); `name`: the chart's title as HTML, its data
    marked so too (`Name`), the scale said after it."""
    row_h, top = 40, 4
    axis_h = 22
    height = top * 2 + row_h * max(len(items), 1) + axis_h
    biggest = scale_top([v for _, v in items], scale_max)
    bottom = top + row_h * max(len(items), 1)
    bar_w = width - VALUE_W - 4

    def x_of(value: Decimal) -> str:
        if fluid:
            return f"{float(FLUID_BARS * 100 * value / biggest):.2f}%"
        return _f(bar_w * value / biggest)

    body: list[str] = []
    for tick in _ticks(scale_max):
        anchor = "start" if tick == 0 else "middle"
        x = x_of(tick)
        body.append(
            f'<line x1="{x}" y1="{top}" x2="{x}" y2="{bottom + 4}" stroke="{GRID}"/>'
            f'<text x="{x}" y="{bottom + 18}" text-anchor="{anchor}" fill="{INK}">{_tick(tick)}</text>'
        )
    limit = _LABEL_CHARS * width // WIDTH if not fluid else _LABEL_CHARS
    for n, (label, value) in enumerate(items):
        y = top + n * row_h
        end = x_of(max(Decimal(0), value))
        after = f'x="{end}" dx="4"' if fluid else f'x="{_f(bar_w * max(Decimal(0), value) / biggest + 4)}"'
        body.append(
            f'<text x="0" y="{y + 14}" fill="{INK}"{_data(data_lang)}>{escape(_short(label, limit))}</text>'
            f'<rect x="0" y="{y + 20}" width="{end}" height="14" fill="{BAR}"/>'
            f'<text {after} y="{y + 32}" fill="{INK}">{vn_value(value)}</text>'
        )
    scale = f" ({scale_text(biggest)})"
    label = f"{title}{scale}"
    if fluid:
        return _svg_fluid(height, title, body, label=label, name=name, suffix=scale)
    return _svg(width, height, title, body, label=label, name=name, suffix=scale)


def _svg_fluid(height: int, title: str, body: list[str], *, label: str, name: Name | None = None,
               suffix: str = "") -> SafeString:
    """A chart as wide as its column (`ranking_bars(fluid=True)`): no viewBox, so its text keeps FONT_SIZE."""
    naming, title_element, after = _named(title, label, name, suffix=suffix)
    return mark_safe(  # noqa: S308 — every text inside is escaped by the caller or here
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart fluid" width="100%" height="{height}" role="img" '
        f'{naming} {FONT} font-size="{FONT_SIZE}">{title_element}'
        f'{"".join(body)}</svg>{after}'
    )


def bar_share_note() -> str:
    """What the length of an area chart's bar is (`area_comparison`): said on the chart and in its text
    alternative, so that a bar is never read as the points printed beside it."""
    return gettext("Độ dài thanh: tỷ lệ điểm so với điểm tối đa của lĩnh vực")


def points_of(value: Decimal, maximum: Decimal) -> str:
    """An area's points over its maximum, as an area chart labels a bar: «10,85/11», «−1,00/9,50»."""
    return f"{vn_value(value)}/{_tick(maximum)}"


def area_comparison(
    areas: Sequence[tuple[str, Decimal, Decimal, Decimal]], *, title: str, first: str, second: str, width: int = WIDTH,
    data_lang: str = "",
) -> SafeString:
    """For each area (label, maximum, unit's score, group average): the area's name, then two bars as a share of
    the area's maximum, the unit's and the group average's, each labelled with its points over that maximum
    («10,85/11»: an area of 11 points nearly full draws a longer bar than 16,97 of 20). The chart's first line says
    so (`bar_share_note`), as its text alternative does. An area's name longer than a line wraps onto more lines,
    never cut off (the PDF's charts are `PRINT_WIDTH` wide). `data_lang`: the language of the areas' names when not
    the page's (they are drawn marked so)."""
    limit = (width - 4) // CHAR_W
    note = bar_share_note()
    note_lines = _lines(note, limit)
    head = LINE_H * len(note_lines) + 4  # the note above the legend
    values = [[points_of(value, maximum) for value in (mine, average)] for _l, maximum, mine, average in areas]
    # room right of a full bar for the longest label («100,00/100»)
    value_w = max([len(text) for pair in values for text in pair], default=6) * CHAR_W + 6
    bar_w, row_h, top = width - value_w - 4, 56, head + 46
    labels = [_lines(label, limit) for label, *_rest in areas]
    height = top + sum(row_h + LINE_H * (len(lines) - 1) for lines in labels) + 4 if areas else top + row_h + 4
    body = [
        f'<g data-bar-note="">{_label(0, 15, note_lines)}</g>'
        f'<rect x="0" y="{head + 4}" width="13" height="13" fill="{BAR}"/>'
        f'<text x="18" y="{head + 15}" fill="{INK}">{escape(_short(first, 40))}</text>'
        f'<rect x="0" y="{head + 24}" width="13" height="13" fill="{BAR_ALT}"/>'
        f'<text x="18" y="{head + 35}" fill="{INK}">{escape(_short(second, 40))}</text>'
    ]
    y = top
    for lines, (_label_text, maximum, mine, average), texts in zip(labels, areas, values, strict=True):
        body.append(_label(0, y + 14, lines, lang=data_lang))
        y += LINE_H * (len(lines) - 1)
        for k, (value, color) in enumerate(((mine, BAR), (average, BAR_ALT))):
            share = max(Decimal(0), min(Decimal(1), value / maximum)) if maximum else Decimal(0)
            w = bar_w * share
            yy = y + 20 + k * 17
            body.append(
                f'<rect x="0" y="{yy}" width="{_f(w)}" height="14" fill="{color}"/>'
                f'<text x="{_f(w + 4)}" y="{yy + 12}" fill="{INK}">{escape(texts[k])}</text>'
            )
        y += row_h
    return _svg(width, height, title, body, label=f"{title}. {note}.")


@dataclass(frozen=True)
class Bin:
    """One bar of the distribution: the indexes from `low` up to but not including `high`."""

    low: Decimal
    high: Decimal
    count: int
    label: str


def _bin_edge(value: Decimal, step: Decimal) -> Decimal:
    """The low edge of the bin holding `value`: rounded down, a negative index too (−2 in «-5 – dưới 0»; `//`
    truncates toward 0 and would put it in no bin). `+ 0` writes a −0 edge as 0."""
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step + 0


def distribution_bins(values: Sequence[Decimal], *, step: Decimal = Decimal("5")) -> list[Bin]:
    """The indexes counted in bins of `step` points, each [low, low + step): an index of exactly 70,00 is in
    «70 – dưới 75», as its label says. From the lowest index's bin to the highest's (empty bins between kept)."""
    if not values:
        return []
    places = 0 if step % 1 == 0 else 2
    low, high = _bin_edge(min(values), step), _bin_edge(max(values), step)
    bins: list[Bin] = []
    edge = low
    while edge <= high:
        label = gettext("%(low)s – dưới %(high)s") % {"low": vn(edge, places), "high": vn(edge + step, places)}
        bins.append(Bin(low=edge, high=edge + step, count=sum(1 for v in values if edge <= v < edge + step),
                        label=label))
        edge += step
    return bins


def distribution_summary(values: Sequence[Decimal], bins: Sequence[Bin]) -> str:
    """The chart in one sentence, for its label: how many units, the range, the fullest bin."""
    if not values:
        return gettext("Không có đơn vị nào.")
    fullest = max(bins, key=lambda b: b.count)
    return ngettext(
        "%(n)s đơn vị, chỉ số từ %(lo)s đến %(hi)s; nhiều nhất %(count)s đơn vị trong khoảng %(bin)s.",
        "%(n)s đơn vị, chỉ số từ %(lo)s đến %(hi)s; nhiều nhất %(count)s đơn vị trong khoảng %(bin)s.",
        len(values),
    ) % {"n": len(values), "lo": vn(min(values)), "hi": vn(max(values)), "count": fullest.count, "bin": fullest.label}


def distribution(values: Sequence[Decimal], *, title: str, step: Decimal = Decimal("5")) -> SafeString:
    """A histogram of indexes in bins of `step` points (`distribution_bins`), one row per bin (its range, a bar,
    the count: readable on a phone whatever the number of bins); its label sums it up (`distribution_summary`),
    and the page gives its figures in a table."""
    if not values:
        return _svg(WIDTH, 40, title, [f'<text x="4" y="24" fill="{INK}">—</text>'])
    bins = distribution_bins(values, step=step)
    label_w, row_h, top = (110 if step % 1 == 0 else 150), 24, 4
    bar_w = WIDTH - label_w - 40
    height = top * 2 + row_h * len(bins)
    most = max(b.count for b in bins) or 1
    body = [f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{height - top}" stroke="{GRID}"/>']
    for n, b in enumerate(bins):
        y = top + n * row_h
        w = Decimal(bar_w) * b.count / most
        body.append(
            f'<text x="{label_w - 6}" y="{y + 17}" text-anchor="end" fill="{INK}">{escape(b.label)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{_f(w)}" height="{row_h - 8}" fill="{BAR}"/>'
            f'<text x="{_f(label_w + w + 4)}" y="{y + 17}" fill="{INK}">{b.count}</text>'
        )
    return _svg(WIDTH, height, title, body, label=f"{title}: {distribution_summary(values, bins)}")


def _diamond(x: int, y: Decimal, label: str | None = None) -> str:
    """The marker of a year the unit did not submit its self-assessment (`trend`'s `marked`): a hollow diamond in the
    second colour, told apart from the line's filled dots by its shape as well as its colour; `label`: the point's
    (its year), None for the legend's sample."""
    mark = "" if label is None else f' data-not-submitted="{escape(label)}"'
    return (f'<path d="M{x},{_f(y - 6)} L{x + 6},{_f(y)} L{x},{_f(y + 6)} L{x - 6},{_f(y)} Z" fill="#fff" '
            f'stroke="{BAR_ALT}" stroke-width="2"{mark}/>')


DASHED = 'stroke-dasharray="5 4"'


def trend(
    points: Sequence[tuple[str, Decimal]], *, title: str, scale_max: Decimal | None = None,
    marked: Sequence[bool] = (), marked_label: str = "",
) -> SafeString:
    """A line through the values across years, each point labelled with its value, on a fixed scale (`scale_top`:
    0 to the standard maximum, or the largest value when above it) with labelled gridlines (0, 25, 50, 75, 100):
    a change of a point reads as a point, never stretched over the chart's height. Its text alternative states
    the scale and the values. Up to seven years fit WIDTH; more years widen the chart (then shown smaller).

    `marked` (one flag per point, or empty): the points drawn apart, named `marked_label` — a year the unit did not
    submit its self-assessment, whose change from or to another year is not a change of the unit's own scoring: a
    hollow diamond (`_diamond`) instead of a dot, joined to its neighbours by a dashed line only, a legend entry
    below the years, and the label beside its value in the text alternative. ValueError when `marked` is not one
    flag per point."""
    if marked and len(marked) != len(points):
        raise ValueError("marked: one flag per point")
    flags = list(marked) or [False] * len(points)
    if not points:
        return _svg(WIDTH, 40, title, [f'<text x="4" y="24" fill="{INK}">—</text>'])
    axis, top, chart_h = 34, 24, 140
    left = axis + 22
    step = max(44, min(110, (WIDTH - left - 26) // max(len(points) - 1, 1)))
    width = max(WIDTH, left + 26 + step * max(len(points) - 1, 1))
    legend_h = 24 if any(flags) else 0
    height = top + chart_h + 36 + legend_h
    values = [v for _, v in points]
    hi = scale_top(values, scale_max)
    lo = min([*values, Decimal(0)])  # 0 unless a penalty took an index below it
    span = (hi - lo) or Decimal(1)

    def y_of(v: Decimal) -> Decimal:
        return top + chart_h - chart_h * (v - lo) / span

    body: list[str] = []
    for tick in _ticks(scale_max):
        grid_y = _f(y_of(tick))
        body.append(
            f'<line x1="{axis}" y1="{grid_y}" x2="{width - 10}" y2="{grid_y}" stroke="{GRID}"/>'
            f'<text x="{axis - 4}" y="{_f(y_of(tick) + 4)}" text-anchor="end" fill="{INK}">{_tick(tick)}</text>'
        )
    body.append(f'<line x1="{axis}" y1="{top}" x2="{axis}" y2="{top + chart_h}" stroke="{INK}"/>')
    xy = [(left + n * step, y_of(v)) for n, (_, v) in enumerate(points)]
    # The solid line through each run of unmarked points; a dashed one to and from a marked point.
    run: list[tuple[int, Decimal]] = []
    for n, (x, y) in enumerate(xy):
        if n and (flags[n] or flags[n - 1]):
            (x0, y0) = xy[n - 1]
            body.append(f'<line x1="{x0}" y1="{_f(y0)}" x2="{x}" y2="{_f(y)}" stroke="{BAR}" stroke-width="1.5" '
                        f'{DASHED}/>')
        if flags[n]:
            run = []
            continue
        run.append((x, y))
        if len(run) > 1 and (n == len(xy) - 1 or flags[n + 1]):
            path = " ".join(f"{px},{_f(py)}" for px, py in run)
            body.append(f'<polyline points="{path}" fill="none" stroke="{BAR}" stroke-width="2"/>')
    for (x, y), (label, value), flag in zip(xy, points, flags, strict=True):
        marker = _diamond(x, y, label) if flag else f'<circle cx="{x}" cy="{_f(y)}" r="4" fill="{BAR}"/>'
        halo = ' stroke="#fff" stroke-width="3" paint-order="stroke"' if flag else ""  # read over the dashed line
        body.append(
            f'{marker}'
            f'<text x="{x}" y="{_f(y - 8)}" text-anchor="middle" fill="{INK}"{halo}>{vn_value(value)}</text>'
            f'<text x="{x}" y="{top + chart_h + 18}" text-anchor="middle" fill="{INK}">{escape(label)}</text>'
        )
    if legend_h:
        legend_y = top + chart_h + 36 + 12
        body.append(
            f'<g data-trend-legend="">{_diamond(10, Decimal(legend_y))}'
            f'<line x1="20" y1="{legend_y}" x2="40" y2="{legend_y}" stroke="{BAR}" stroke-width="1.5" {DASHED}/>'
            f'<text x="46" y="{legend_y + 5}" fill="{INK}">'
            f'{escape(_short(marked_label, (width - 50) // CHAR_W))}</text></g>'
        )
    note = marked_label[:1].lower() + marked_label[1:]
    label = gettext("%(title)s. Trục dọc: %(scale)s, vạch lưới %(ticks)s. %(values)s.") % {
        "title": title, "scale": scale_text(hi),
        "ticks": ", ".join(_tick(t) for t in _ticks(scale_max)),
        "values": "; ".join(f"{name}: {vn_value(value)}" + (f" ({note})" if flag else "")
                            for (name, value), flag in zip(points, flags, strict=True)),
    }
    return _svg(width, height, title, body, label=label)
