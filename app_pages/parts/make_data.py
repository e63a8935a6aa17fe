"""Datasets page part: make a dataset in the app (draw, photograph, upload), alone or as a class."""

from __future__ import annotations

import streamlit as st

from app_pages.parts import identity, keys
from app_pages.parts.presses import press
from app_pages.parts.shared import dataset_label, lang, live_view, manager, num, session_id, tr
from app_pages.parts.state import switch_value
from lib.classroom import may_manage
from lib.i18n import number
from lib.own import sample_store as samples
from lib.own import who_drew
from lib.own.sample_store import Collection, SampleError

NEW = "new"
SHOWN_PER_CLASS = 16  # the newest samples of each class shown in the grid (each with a delete button)
SAME_POINTS = 0.5  # two test accuracies closer than this many points are "the same"
UPLOAD_TYPES = ["png", "jpg", "jpeg", "gif", "webp", "bmp"]


def make_panel() -> None:
    """Pick or start a collection; add samples to it; make it into a dataset."""
    with st.expander(tr("make.title"), expanded=st.session_state.get("make.expanded", False), icon=":material/draw:"):
        st.caption(
            tr("make.intro", min=samples.MIN_PER_CLASS, classes=samples.MAX_CLASSES, most=num(samples.MAX_PER_CLASS),
               mb=samples.MAX_PICTURE_MB, at_once=samples.MAX_PICTURES_AT_ONCE,
               total=num(samples.MAX_COLLECTION_MB), mine=samples.MAX_PER_OWNER)
        )  # fmt: skip
        if built := st.session_state.pop("make.built", None):
            st.success(tr("make.built", name=dataset_label(built)))
        who, teacher = identity.nickname(), identity.is_teacher()
        listed = {c.id: c for c in samples.listed(None if teacher else who)}
        collection = _pick(listed)
        if collection is None:
            _create_form(who, teacher)
        else:
            _collection(collection, who, may_manage(collection.owner, who, teacher))


def _label(collection: Collection) -> str:
    kind = tr("make.for_class") if collection.for_class else tr("make.mine")
    closed = f" · {tr('make.closed_badge')}" if collection.closed else ""
    return f"{collection.title} · {kind}{closed}"


def _pick(listed: dict[str, Collection]) -> Collection | None:
    current = st.session_state.get("make.current")
    if current not in listed:  # a student joins the class's collection by default
        current = next((c for c in reversed(listed.values()) if c.for_class and not c.closed), None)
        current = current.id if current else NEW
    options = [*listed, NEW]
    labels = {**{i: _label(c) for i, c in listed.items()}, NEW: tr("make.new")}
    picked = st.selectbox(
        tr("make.pick"), options, index=options.index(current), format_func=labels.__getitem__,
        key=f"make.pick.{st.session_state.get('make.picks', 0)}",
    )  # fmt: skip
    st.session_state["make.current"] = picked
    return listed.get(picked)


def _keep_open() -> None:
    """The panel stays open after its own actions (a rerun may draw the expander anew)."""
    st.session_state["make.expanded"] = True


def _open(collection_id: str) -> None:
    st.session_state["make.current"] = collection_id
    st.session_state["make.picks"] = st.session_state.get("make.picks", 0) + 1  # a new selectbox, on it
    _keep_open()


def _create_form(who: str, teacher: bool) -> None:
    title = st.text_input(tr("make.name"), key="make.new_title", max_chars=samples.MAX_TITLE)
    names = st.text_area(tr("make.classes"), key="make.new_classes", help=tr("make.classes_help"), height=110)
    looks = {look: tr(f"make.look.{look}") for look in samples.LOOKS}
    look = st.radio(tr("make.look"), list(looks), format_func=looks.__getitem__, key="make.new_look", horizontal=True)
    for_class = teacher and st.toggle(tr("make.class_toggle"), key="make.new_for_class", help=tr("make.class_help"))
    if st.button(tr("make.create"), type="primary", key="make.create"):
        try:
            made = samples.create(title, names.splitlines(), look, who, for_class=bool(for_class))
        except SampleError as err:
            st.error(tr(f"make.err.{err.code}", **err.values))
            return
        _open(made.id)
        st.rerun()


def _collection(collection: Collection, who: str, manages: bool) -> None:
    per_class = samples.samples(collection.id)
    total = sum(len(v) for v in per_class.values())
    st.markdown(tr("make.summary", n=num(total), k=len(collection.classes), look=tr(f"make.look.{collection.look}")))
    if collection.closed:
        st.info(tr("make.closed"))
    else:
        _add(collection, who)
    _show_result()
    _grid(collection, per_class, who, manages)
    if manages:
        _manage(collection, per_class)
    if collection.for_class and manages:
        _class_view(collection)


def _add(collection: Collection, who: str) -> None:
    names = collection.classes
    class_id = st.radio(tr("make.add_to"), list(names), format_func=names.__getitem__, horizontal=True,
                        key=f"make.class.{collection.id}")  # fmt: skip
    sources = {s: tr(f"make.source.{s}") for s in ("draw", "camera", "upload")}
    source = st.segmented_control(tr("make.source"), list(sources), format_func=sources.__getitem__,
                                  default="draw", key="make.source") or "draw"  # fmt: skip
    round_ = st.session_state.setdefault("make.round", 0)  # a new round: the canvas, camera and uploader emptied
    pictures: list[bytes] = []
    if source == "draw":
        from streamlit_drawable_canvas import st_canvas

        canvas = st_canvas(stroke_width=18, stroke_color="#FFFFFF", background_color="#000000", height=280,
                           width=280, drawing_mode="freedraw", return_image_data=True,
                           key=f"make.canvas.{round_}")  # fmt: skip
        pictures = [canvas.image_bytes] if canvas.image_bytes else []
    elif source == "camera":
        photo = st.camera_input(tr("make.camera"), key=f"make.camera.{round_}")
        pictures = [photo.getvalue()] if photo is not None else []
    else:
        files = st.file_uploader(tr("make.upload", n=samples.MAX_PICTURES_AT_ONCE), type=UPLOAD_TYPES,
                                 accept_multiple_files=True, key=f"make.upload.{round_}")  # fmt: skip
        pictures = [f.getvalue() for f in files or []]
    label = tr("make.add_button", n=len(pictures) or 1, name=names[class_id])
    # press(): a click is kept until a run that is not interrupted reaches this line (presses.py).
    if press(st, label, "make.add", type="primary", disabled=not pictures):
        _store(collection, class_id, pictures, who)


def _store(collection: Collection, class_id: str, pictures: list[bytes], who: str) -> None:
    try:
        done = samples.add_pictures(collection.id, class_id, pictures, who)
        st.session_state["make.result"] = ("ok", collection.classes[class_id], done)
    except SampleError as err:
        st.session_state["make.result"] = ("error", err.code, err.values)
    st.session_state["make.round"] += 1
    _keep_open()
    st.rerun()


def _show_result() -> None:
    result = st.session_state.get("make.result")
    if result is None:
        return
    if result[0] == "error":
        st.error(tr(f"make.err.{result[1]}", **result[2]))
        return
    _, name, done = result
    if done.added:
        st.success(tr("make.added", n=done.added, name=name))
    if done.full:
        st.warning(tr("make.err.full", n=done.full, most=num(samples.MAX_PER_CLASS)))
    for code, n in done.errors.items():
        st.warning(
            tr(
                f"make.refused.{code}",
                n=n,
                mb=samples.MAX_PICTURE_MB,
                at_once=samples.MAX_PICTURES_AT_ONCE,
                total=num(samples.MAX_COLLECTION_MB),
                mine=samples.MAX_PER_OWNER,
            )
        )


def _grid(collection: Collection, per_class: dict, who: str, manages: bool) -> None:
    for class_id, name in collection.classes.items():
        found = per_class.get(class_id, [])
        visible = found if manages or not collection.for_class else [s for s in found if s.author == who]
        st.markdown(f"**{name}** · {tr('make.count', n=num(len(found)), most=num(samples.MAX_PER_CLASS))}")
        if len(found) < samples.MIN_PER_CLASS:
            st.caption(tr("make.need_more", n=samples.MIN_PER_CLASS - len(found)))
        newest = visible[::-1][:SHOWN_PER_CLASS]
        if not newest:
            continue
        cols = st.columns(8)
        for i, sample in enumerate(newest):
            with cols[i % 8]:
                pixels = samples.read_sample(collection.id, sample)
                st.image(pixels[..., 0] if pixels.shape[-1] == 1 else pixels, width=56,
                         caption=sample.author if collection.for_class else None)  # fmt: skip
                if manages or sample.author == who:
                    st.button("✕", key=f"make.del.{sample.id}", help=tr("make.delete_sample"),
                              on_click=_delete, args=(collection.id, class_id, sample.id))  # fmt: skip
        if len(visible) > SHOWN_PER_CLASS:
            st.caption(tr("make.newest", shown=SHOWN_PER_CLASS, n=num(len(visible))))


def _delete(collection_id: str, class_id: str, sample_id: str) -> None:
    _keep_open()
    samples.delete_sample(collection_id, class_id, sample_id)


def _manage(collection: Collection, per_class: dict) -> None:
    st.divider()
    short = samples.short_classes(collection, per_class)
    if short:
        listed = ", ".join(f"{n} ({c})" for n, c in short.items())
        st.warning(tr("make.err.short", min=samples.MIN_PER_CLASS, classes=listed))
    left, right = st.columns(2)
    if left.button(tr("make.build"), type="primary", key="make.build", disabled=bool(short)):
        _build(collection)
    closed = right.toggle(tr("make.close"), value=collection.closed, key=f"make.closed.{collection.id}",
                          help=tr("make.close_help"))  # fmt: skip
    if closed != collection.closed:
        samples.set_closed(collection.id, closed)
        st.rerun()
    edit, remove = st.columns(2)
    with edit.popover(tr("make.edit_classes")):
        _edit_classes(collection)
    with remove.popover(tr("make.delete")):
        st.caption(tr("make.delete_help"))
        if st.button(tr("make.delete_now", name=collection.title), key="make.delete_now", type="primary"):
            _change(samples.delete, collection.id)


def _building(work):
    """``work()`` under a spinner; a refusal is shown and None returned."""
    try:
        with st.spinner(tr("make.building")):
            return work()
    except SampleError as err:
        st.error(tr(f"make.err.{err.code}", **err.values))
    except LookupError:  # no lesson network fits the pictures
        st.error(tr("make.err.no_network"))
    return None


def _build(collection: Collection) -> None:
    if (name := _building(lambda: samples.build_dataset(collection.id))) is None:
        return
    switch_value(keys.DATA_NAME, name)  # the new dataset is chosen everywhere (Training, Draw...)
    _keep_open()
    st.session_state["make.built"] = name
    st.rerun()


def _edit_classes(collection: Collection) -> None:
    new = st.text_input(tr("make.new_class"), key=f"make.new_class.{collection.id}", max_chars=samples.MAX_NAME)
    if st.button(tr("make.add_class"), key="make.add_class", disabled=not new.strip()):
        _change(samples.add_class, collection.id, new)
    names = collection.classes
    gone = st.selectbox(tr("make.delete_class"), list(names), format_func=names.__getitem__,
                        key=f"make.gone.{collection.id}")  # fmt: skip
    if st.button(tr("make.delete_class_now", name=names[gone]), key="make.delete_class"):
        _change(samples.delete_class, collection.id, gone)


def _change(action, *args) -> None:
    _keep_open()
    try:
        action(*args)
    except SampleError as err:
        st.session_state["make.result"] = ("error", err.code, err.values)
    st.rerun()


def _class_view(collection: Collection) -> None:
    """The teacher's view of the class's collection: who drew what, and the generalisation lesson."""
    st.subheader(tr("make.class_title"))
    counts = samples.counts(collection.id)
    people = sorted({a for per in counts.values() for a in per})
    if people:
        rows = [
            {tr("make.student"): p, **{n: counts.get(c, {}).get(p, 0) for c, n in collection.classes.items()},
             tr("make.total"): sum(counts.get(c, {}).get(p, 0) for c in collection.classes)}
            for p in people
        ]  # fmt: skip
        st.dataframe(rows, hide_index=True)
    st.caption(tr("make.split_intro"))
    if st.button(tr("make.split_button"), key="make.split", disabled=len(people) < 2, on_click=_keep_open):
        _compare(collection)
    runs = collection.compared
    if runs and all(manager().store.exists(r) for r in runs.values()):  # (a run deleted since: nothing to show)
        live_view(lambda: _comparison(runs), lambda: any(manager().is_active(r) for r in runs.values()), 1.0)


def _compare(collection: Collection) -> None:
    if (configs := _building(lambda: who_drew.configs(collection.id))) is None:
        return
    who, owner = identity.nickname(), session_id()
    runs = {s: manager().submit(c, owner=owner, exclusive=False, nickname=who).run_id for s, c in configs.items()}
    samples.set_compared(collection.id, runs)
    _keep_open()
    st.rerun()


def _comparison(runs: dict[str, str]) -> None:
    from app_pages.parts.train_tools import show_run

    cols = st.columns(2)
    for col, split in zip(cols, who_drew.SPLITS):
        with col:
            st.markdown(f"**{tr(f'make.split.{split}')}**")
            show_run(runs[split], with_controls=False, place=f"make.{split}", with_curves=False)
    result = who_drew.outcome(manager().store, runs)
    if result.gap is None:
        return
    percent = {s: number(100 * (a or 0), lang(), 1) for s, a in result.accuracy.items()}
    cols[0].metric(tr("make.test_accuracy"), f"{percent['random']} %")
    cols[1].metric(tr("make.test_accuracy"), f"{percent['by_author']} %",
                   delta=tr("make.points", n=number(-100 * result.gap, lang(), 1)))  # fmt: skip
    same = SAME_POINTS / 100
    key = "make.gap" if result.gap >= same else "make.gap_reversed" if result.gap <= -same else "make.gap_none"
    st.info(tr(key, gap=number(100 * abs(result.gap), lang(), 1), held=", ".join(result.test_authors)))
