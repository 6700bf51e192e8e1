"""Default dock layout and GUI-state (de)serialisation; pure (no dearpygui import).

Dear PyGui keeps its docking layout in an ImGui ``.ini`` text (``configure_app(init_file=...)``
loads it, ``save_init_file`` writes it). It has no API to dock a window from code, so the
default layout is *written* as ImGui ini text here: window names are the view names
(windows are created with ``use_internal_label=False``), their ids are ImGui's hash of the
name (CRC32-C, which :func:`imgui_hash` reproduces) and dock nodes are nested splits.

The ini text of the current layout is stored in the GUI state (``GUI.layout_ini``) on
close and restored on the next start, next to each view's options (``<ViewName>`` keys).
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence, Tuple, Union

__all__ = [
    "imgui_hash",
    "default_layout_ini",
    "LEFT_VIEWS",
    "DEFAULT_VIEWS",
    "STATUS_WINDOW",
    "gui_state_from",
    "layout_from_state",
]

#: The tables (left column, not closable).
LEFT_VIEWS = ("ClusterView", "SimilarityView")
#: phy's default TemplateGUI views (``TemplateController.default_views``, plus the
#: ClusterScatterView its packaged ``state.json`` opens), in phy's creation order.
DEFAULT_VIEWS = ("WaveformView", "CorrelogramView", "ISIView", "FeatureView", "AmplitudeView", "FiringRateView",
                 "TraceView", "ProbeView", "TemplateFeatureView", "ClusterScatterView")

#: A dock tree: a window name, or ``(axis, ((weight, subtree), ...))``, children side by
#: side (axis ``"X"``) or stacked (``"Y"``) with sizes proportional to their weights.
Tree = Union[str, Tuple[str, Tuple[Tuple[float, "Tree"], ...]]]
# phy's default arrangement, read from the Qt dock state of its packaged state.json
# (weights: pixel sizes there; the first two column widths are measured on a phy window).
_LEFT_TREE: Tree = ("Y", ((288, "ClusterScatterView"), (373, "ClusterView"), (295, "SimilarityView")))
_RIGHT_TREE: Tree = ("X", (
    (340, ("Y", ((719, "WaveformView"), (242, "AmplitudeView")))),
    (392, ("Y", ((361, "FeatureView"), (234, "TemplateFeatureView"), (200, "CorrelogramView"),
                 (210, ("X", ((210, "ISIView"), (216, "FiringRateView"))))))),
    (437, "TraceView"),
    (164, "ProbeView"),
))
#: Name of the status-bar window (docked at the bottom, no tab bar).
STATUS_WINDOW = "Status"

# ImGui's main viewport id and the names Dear PyGui uses for the viewport dock space.
_VIEWPORT_ID = 0x11111111
_DOCKSPACE_WINDOW = f"WindowOverViewport_{_VIEWPORT_ID:08X}"


def _crc32c_table() -> list[int]:
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


_TABLE = _crc32c_table()


def imgui_hash(text: str, seed: int = 0) -> int:
    """ImGui's ``ImHashStr`` (CRC32-C; ``###`` resets the hash to the seed).

    Parameters
    ----------
    text : str
        Window name or id label.
    seed : int
        Parent id (0 for a top-level window).

    Returns
    -------
    int
        The 32-bit ImGui id.
    """
    data = text.encode("utf-8")
    start = ~seed & 0xFFFFFFFF
    crc = start
    for i, c in enumerate(data):
        if c == 0x23 and data[i + 1:i + 3] == b"##":
            crc = start
        crc = (crc >> 8) ^ _TABLE[(crc ^ c) & 0xFF]
    return ~crc & 0xFFFFFFFF


def _tab_id(window: str) -> int:
    # A docked window's tab id (what ``Selected=`` names): hash of "#TAB" seeded by the window id.
    return imgui_hash("#TAB", imgui_hash(window))


def _dockspace_ids() -> tuple[int, int]:
    window = imgui_hash(_DOCKSPACE_WINDOW)
    return imgui_hash("DockSpace", window), window


def _prune(tree: Tree, keep: set[str]) -> Tree | None:
    # The tree without the views not in ``keep``; a split left with one child becomes that child.
    if isinstance(tree, str):
        return tree if tree in keep else None
    axis, children = tree
    kept = tuple((w, t) for w, t in ((w, _prune(t, keep)) for w, t in children) if t is not None)
    if not kept:
        return None
    return kept[0][1] if len(kept) == 1 else (axis, kept)


def _leaves(tree: Tree) -> list[str]:
    if isinstance(tree, str):
        return [tree]
    return [v for _, t in tree[1] for v in _leaves(t)]


def _right_tree(views: Sequence[str]) -> Tree | None:
    # phy's data-view columns holding ``views``, then the views phy does not place (plugin
    # views, View > Add views) stacked three by three in extra columns on the right.
    placed = set(_leaves(_LEFT_TREE)) | set(_leaves(_RIGHT_TREE)) | {STATUS_WINDOW}
    tree = _prune(_RIGHT_TREE, set(views))
    columns: list[tuple[float, Tree]] = []
    if tree is not None:
        columns = list(tree[1]) if not isinstance(tree, str) and tree[0] == "X" else [(400.0, tree)]
    weight = sum(w for w, _ in columns) / len(columns) if columns else 1.0
    extra = [v for v in views if v not in placed]
    for i in range(0, len(extra), 3):
        stack = extra[i:i + 3]
        columns.append((weight, stack[0] if len(stack) == 1 else ("Y", tuple((1.0, v) for v in stack))))
    if not columns:
        return None
    return columns[0][1] if len(columns) == 1 else ("X", tuple(columns))


def default_layout_ini(
    views: Sequence[str],
    width: int = 1600,
    height: int = 1000,
    *,
    menu_height: int = 19,
    status_height: int = 26,
    left_fraction: float = 0.30,
) -> str:
    """ImGui ini text of phy's default layout.

    Left column: ``ClusterScatterView`` above ``ClusterView`` above ``SimilarityView``.
    Right: phy's columns (waveforms over amplitudes; features, template features,
    correlograms, ISI beside firing rate; traces; probe), then any other view in extra
    columns; a thin status bar spans the bottom. Views not in ``views`` leave no gap.

    Parameters
    ----------
    views : sequence of str
        Window names of every view (tables included).
    width, height : int
        Viewport size in pixels.
    menu_height, status_height : int
        Height of the viewport menu bar and of the status bar.
    left_fraction : float
        Width of the left column relative to the viewport.

    Returns
    -------
    str
        Text for ``configure_app(init_file=...)``.
    """
    dock_id, dock_window = _dockspace_ids()
    h = height - menu_height
    main_h = h - status_height
    left_w = int(width * left_fraction)
    nodes: list[str] = []
    windows: dict[str, int] = {}
    counter = [0]

    def new_id() -> int:
        counter[0] += 1
        return counter[0]

    def leaf(nid: int, parent: int, w: int, hh: int, view: str | None, extra: str = "") -> None:
        sel = f" Selected=0x{_tab_id(view):08X}" if view else ""
        nodes.append(f"DockNode ID=0x{nid:08X} Parent=0x{parent:08X} SizeRef={w},{hh}{extra}{sel}")
        if view:
            windows[view] = nid

    def place(tree: Tree, nid: int, parent: int, w: int, hh: int, central: bool) -> None:
        # ImGui dock trees are binary: the first child | the others, recursively. The
        # first leaf of the data views is the dock space's central node.
        if isinstance(tree, str):
            extra = (" CentralNode=1" if central else "") + (" NoCloseButton=1" if tree in LEFT_VIEWS else "")
            leaf(nid, parent, w, hh, tree, extra)
            return
        axis, children = tree
        if len(children) == 1:
            place(children[0][1], nid, parent, w, hh, central)
            return
        nodes.append(f"DockNode ID=0x{nid:08X} Parent=0x{parent:08X} SizeRef={w},{hh} Split={axis}")
        frac = children[0][0] / sum(c[0] for c in children)
        if axis == "X":
            first, rest = (int(w * frac), hh), (w - int(w * frac), hh)
        else:
            first, rest = (w, int(hh * frac)), (w, hh - int(hh * frac))
        place(children[0][1], new_id(), nid, *first, central)
        place((axis, children[1:]), new_id(), nid, *rest, False)

    left_tree = _prune(_LEFT_TREE, set(views))
    right_tree = _right_tree(views)
    top, status = new_id(), new_id()
    nodes.append(f"DockSpace ID=0x{dock_id:08X} Window=0x{dock_window:08X} Pos=0,{menu_height} "
                 f"Size={width},{h} Split=Y")
    if left_tree is None and right_tree is not None:
        place(right_tree, top, dock_id, width, main_h, True)
    else:
        nodes.append(f"DockNode ID=0x{top:08X} Parent=0x{dock_id:08X} SizeRef={width},{main_h} Split=X")
        left, right = new_id(), new_id()
        if left_tree is not None:
            place(left_tree, left, top, left_w, main_h, False)
        else:
            leaf(left, top, left_w, main_h, None)
        if right_tree is not None:
            place(right_tree, right, top, width - left_w, main_h, True)
        else:
            leaf(right, top, width - left_w, main_h, None, " CentralNode=1")
    leaf(status, dock_id, width, status_height, STATUS_WINDOW, " NoResize=1 NoTabBar=1")

    out = [f"[Window][{_DOCKSPACE_WINDOW}]", f"Pos=0,{menu_height}", f"Size={width},{h}", "Collapsed=0", ""]
    for name, nid in windows.items():
        out += [f"[Window][{name}]", "Pos=0,0", "Size=300,300", "Collapsed=0", f"DockId=0x{nid:08X},0", ""]
    out += ["[Docking][Data]", *nodes, ""]
    return "\n".join(out)


def gui_state_from(
    layout_ini: str | None,
    viewport: Mapping[str, Any],
    views: Mapping[str, Mapping[str, Any]],
    open_views: Sequence[str],
) -> dict[str, Any]:
    """The GUI-state entries written on close.

    Parameters
    ----------
    layout_ini : str or None
        ImGui ini text of the current dock layout.
    viewport : Mapping
        ``{'width', 'height', 'x', 'y'}`` of the window.
    views : Mapping
        ``{view_name: view_state_dict}``.
    open_views : sequence of str
        Names of the views open at close time.

    Returns
    -------
    dict
        ``{'GUI': {...}, '<ViewName>': {...}, ...}``, ready for ``GUIState.update``.
    """
    out: dict[str, Any] = {
        "GUI": {
            "layout_ini": layout_ini,
            "viewport": {k: int(viewport[k]) for k in ("width", "height", "x", "y") if k in viewport},
            "open_views": list(open_views),
        }
    }
    for name, state in views.items():
        out[name] = dict(state)
    return out


def layout_from_state(state: Mapping[str, Any]) -> tuple[str | None, dict[str, int], list[str] | None]:
    """Read back ``(layout_ini, viewport, open_views)`` from a GUI state; tolerant of junk.

    Parameters
    ----------
    state : Mapping
        A :class:`phycore.state.GUIState` or any dict.

    Returns
    -------
    tuple
        Layout text (None if absent or invalid), viewport geometry dict (possibly empty),
        list of open views (None when not stored).
    """
    gui = state.get("GUI")
    if not isinstance(gui, Mapping):
        return None, {}, None
    ini = gui.get("layout_ini")
    ini = ini if isinstance(ini, str) and "[Docking]" in ini else None
    vp_raw = gui.get("viewport")
    viewport: dict[str, int] = {}
    if isinstance(vp_raw, Mapping):
        for k in ("width", "height", "x", "y"):
            v = vp_raw.get(k)
            if isinstance(v, (int, float)) and not isinstance(v, bool):
                viewport[k] = int(v)
    if viewport.get("width", 1) < 200 or viewport.get("height", 1) < 150:
        viewport.pop("width", None)
        viewport.pop("height", None)
    ov = gui.get("open_views")
    open_views = [str(v) for v in ov] if isinstance(ov, list) else None
    return ini, viewport, open_views
