"""Where every point, line and tick of the distress charts goes. Pure functions over plain
data; the templates draw the SVG (client/chart.html, therapist/chart.html)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from care.tables import Client
from care.vocab import RATING_RANGE

CHART = {"width": 560, "height": 300, "left": 52, "right": 16, "top": 16, "bottom": 64}
CHART_INSET = 24  # keeps the first and last points (and their labels) off the axes
LOCAL = "%a %d %b %H:%M"
LOWEST, HIGHEST = RATING_RANGE


def _local(when: datetime, zone: ZoneInfo, fmt: str = LOCAL) -> str:
    return when.astimezone(zone).strftime(fmt)


def _rating_y(top: float, plot_h: float):
    """The y of a rating: the worst at the top of the plot, calm at its bottom."""

    def y(value: float) -> float:
        return round(top + plot_h * (HIGHEST - value) / (HIGHEST - LOWEST), 1)

    return y


def _history_points(entries: list[dict], x, y, one_day: bool) -> list[dict]:
    points = []
    for i, entry in enumerate(entries):
        day = f"{entry['when'].day} {entry['when']:%b}"
        points.append(
            {
                "x": x(i),
                "label": f"{entry['when']:%H:%M}" if one_day else day,
                "time": f"{day} {entry['when']:%H:%M}",
                "pre": entry["pre"],
                "pre_y": y(entry["pre"]),
                "post": entry["post"],
                "post_y": None if entry["post"] is None else y(entry["post"]),
            }
        )
    return points


def _history_paths(points: list[dict]) -> tuple[str, str]:
    """(the line of ratings before, the line after: broken where a practice has no after)."""
    pre_path = " ".join(
        f"{'M' if i == 0 else 'L'}{p['x']},{p['pre_y']}" for i, p in enumerate(points)
    )
    post_path, drawing = [], False
    for p in points:
        if p["post_y"] is None:
            drawing = False
            continue
        post_path.append(f"{'L' if drawing else 'M'}{p['x']},{p['post_y']}")
        drawing = True
    return pre_path, " ".join(post_path)


def history_chart(entries: list[dict]) -> dict | None:
    """The client's history chart: ratings before and after each recent practice.

    The x axis is the order of practices, so several on one day stay readable; y is 0-10."""
    if not entries:
        return None
    c = CHART
    plot_w = c["width"] - c["left"] - c["right"] - 2 * CHART_INSET
    count = len(entries)
    first, last = entries[0]["when"], entries[-1]["when"]
    one_day = first.date() == last.date()

    def x(i: int) -> float:
        offset = plot_w / 2 if count == 1 else plot_w * i / (count - 1)
        return round(c["left"] + CHART_INSET + offset, 1)

    y = _rating_y(c["top"], c["height"] - c["top"] - c["bottom"])
    points = _history_points(entries, x, y, one_day)
    pre_path, post_path = _history_paths(points)
    step = max(1, -(-count // 6))  # at most about six date labels
    span = (
        f"on {first.day} {first:%B}"
        if one_day
        else f"from {first.day} {first:%B} to {last.day} {last:%B}"
    )
    return {
        **c,
        "right_edge": c["width"] - c["right"],
        "bottom_edge": c["height"] - c["bottom"],
        "points": points,
        "pre_path": pre_path,
        "post_path": post_path,
        "x_ticks": [p for i, p in enumerate(points) if i % step == 0],
        "y_ticks": [{"value": v, "y": y(v)} for v in range(LOWEST, HIGHEST + 1, 2)],
        "desc": (
            f"How much distress you noted before and after your last {count} "
            f"{'practice' if count == 1 else 'practices'}, {span}, on a scale from 0 (calm) "
            "to 10 (the worst imaginable). The same ratings are listed in the table below."
        ),
    }


DISTRESS = {"width": 640, "height": 280, "left": 44, "right": 16, "top": 16, "bottom": 44}


def _day_ticks(start: datetime, end: datetime, zone, days: int, x) -> list[dict]:
    """A tick at local midnight every few days (every 2 over 14 days, weekly over 30)."""
    step = {14: 2, 30: 7}.get(days, 14)
    first = start.astimezone(zone).date() + timedelta(days=1)
    ticks = []
    for n in range(0, days + 1, step):
        day = first + timedelta(days=n)
        at = datetime(day.year, day.month, day.day, tzinfo=zone)
        if at <= end:
            ticks.append({"x": x(at), "label": day.strftime("%d %b")})
    return ticks


def _distress_summary(sessions, checkins) -> list[str]:
    """The ratings in a sentence or two, for the chart's description."""
    summary = [f"{len(sessions)} practice{'s' if len(sessions) != 1 else ''}"]
    if sessions:
        pre_avg = sum(s.pre_distress for s in sessions) / len(sessions)
        summary[-1] += f", rated on average {pre_avg:.1f} before"
        posts = [s.post_distress for s in sessions if s.post_distress is not None]
        if posts:
            summary[-1] += f" and {sum(posts) / len(posts):.1f} after"
    if checkins:
        values = [c.distress for c in checkins]
        summary.append(f"{len(checkins)} check-ins, from {min(values)} to {max(values)}")
    else:
        summary.append("no check-ins")
    return summary


def _distress_marks(sessions, checkins, zone, x, y) -> dict:
    """The lines, the before/after pairs and the check-in marks, each with its label."""
    pre = [(x(s.started_at), y(s.pre_distress), s) for s in sessions]
    post = [
        (x(s.started_at), y(s.post_distress), s) for s in sessions if s.post_distress is not None
    ]
    return {
        "pre_line": " ".join(f"{px},{py}" for px, py, _ in pre),
        "post_line": " ".join(f"{px},{py}" for px, py, _ in post),
        "pairs": [
            {
                "x": px,
                "pre_y": py,
                "post_y": y(s.post_distress) if s.post_distress is not None else None,
                "label": f"{_local(s.started_at, zone)}: {s.pre_distress} before"
                + (f", {s.post_distress} after" if s.post_distress is not None else ""),
            }
            for px, py, s in pre
        ],
        "checkins": [
            {
                "x": x(c.at),
                "y": y(c.distress),
                "label": f"{_local(c.at, zone)}: check-in {c.distress}",
            }
            for c in checkins
        ],
    }


def distress_chart(
    sessions, checkins, start: datetime, end: datetime, zone, client: Client, days: int
):
    """The therapist's chart of one client: ratings around practices and at check-ins over
    `days`, with the rough-session and crisis thresholds; None when there is nothing to draw."""
    if not sessions and not checkins:
        return None
    d = DISTRESS
    plot_w = d["width"] - d["left"] - d["right"]
    plot_h = d["height"] - d["top"] - d["bottom"]
    span = (end - start).total_seconds()

    def x(at: datetime) -> float:
        return round(d["left"] + plot_w * max(0.0, (at - start).total_seconds()) / span, 1)

    y = _rating_y(d["top"], plot_h)
    window, crisis = client.window_threshold, client.crisis_threshold
    return {
        "width": d["width"],
        "height": d["height"],
        "left": d["left"],
        "right": d["width"] - d["right"],
        "top": d["top"],
        "bottom": d["height"] - d["bottom"],
        "mid_y": round(d["top"] + plot_h / 2, 1),
        "mid_x": round(d["left"] + plot_w / 2, 1),
        "yticks": [{"y": y(v), "label": v} for v in range(LOWEST, HIGHEST + 1, 2)],
        "xticks": _day_ticks(start, end, zone, days, x),
        **_distress_marks(sessions, checkins, zone, x, y),
        "thresholds": [
            {"y": y(window), "label": f"rough {window}"},
            {"y": y(crisis), "label": f"crisis {crisis}"},
        ],
        "desc": (
            f"Distress ratings (0 calm to 10 worst) from {_local(start, zone, '%d %b')} to "
            f"{_local(end, zone, '%d %b')}, in {client.display_name}'s local time: "
            + "; ".join(_distress_summary(sessions, checkins))
            + f". Dashed lines mark the rough-session threshold ({window}) "
            f"and the crisis threshold ({crisis})."
        ),
    }
