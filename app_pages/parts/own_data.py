"""Datasets page part: upload a zip of class folders or a CSV table; details of an uploaded dataset."""

from __future__ import annotations

import streamlit as st

from app_pages.parts import identity, keys
from app_pages.parts.shared import dataset_label, lang, num, session_id, tr
from app_pages.parts.state import fraction_slider, set_value, switch_value
from lib.data import own_store
from lib.own import image_upload, table_upload
from lib.own.ingest_jobs import Ingests
from lib.own.messages import error_text, note_text, preview_rows
from lib.own.upload_checks import UploadError


@st.cache_resource(show_spinner=False)
def ingests() -> Ingests:
    """The server's uploads being made into datasets (survive reruns and page changes)."""
    own_store.clean_leftovers()
    return Ingests()


SCANNERS = {"zip": image_upload.scan_zip, "csv": table_upload.scan_table}  # what each uploader's file is read by


@st.cache_data(show_spinner=False, max_entries=4)
def _scan(kind: str, file_id: str, _data: bytes) -> image_upload.ZipScan | table_upload.TableScan | UploadError:
    """A file's scan (or why it is refused), once per upload: the page reruns on every click.

    Keyed by the upload's id, not its bytes (hashing a 50 MB zip on every rerun would cost more).
    """
    try:
        return SCANNERS[kind](_data)
    except UploadError as err:
        return err
    except Exception as exc:  # noqa: BLE001 - whatever a parser raises is a message, never a traceback
        return UploadError("unreadable", detail=type(exc).__name__)


def _defaults_once(kind: str, file_id: str, values: dict[str, object]) -> None:
    """Set the options' defaults from a newly uploaded file of ``kind`` (not on every rerun)."""
    if st.session_state.get(f"own.file.{kind}") != file_id:
        st.session_state[f"own.file.{kind}"] = file_id
        for key, value in values.items():
            set_value(key, value)


def upload_panel() -> None:
    """The uploaders, the options each file needs, and the ingest's progress."""
    with st.expander(tr("own.title"), expanded=st.session_state.get("own.expanded", False), icon=":material/upload:"):
        st.caption(tr("own.intro", mb=st.get_option("server.maxUploadSize")))  # .streamlit/config.toml
        images, table = st.tabs([tr("own.tab.images"), tr("own.tab.table")])
        with images:
            _image_upload()
        with table:
            _table_upload()
        _progress()


def _uploaded(kind: str, types: list[str]):
    """The uploader of ``kind`` (``zip`` or ``csv``): ``(file, bytes, scan)``, or None (nothing, or refused)."""
    file = st.file_uploader(tr(f"own.{kind}"), type=types, key=f"own.{kind}", help=tr(f"own.{kind}_help"))
    if file is None:
        return None
    data = file.getvalue()
    result = _scan(kind, file.file_id, data)
    if isinstance(result, UploadError):
        st.error(error_text(result, file.name, lang()))
        return None
    return file, data, result


def _image_upload() -> None:
    if (uploaded := _uploaded("zip", ["zip"])) is None:
        return
    file, data, scan = uploaded
    _defaults_once("images", file.file_id, {"own.side": scan.side, "own.gray": scan.gray, "own.img_test": 0.2})
    counts = ", ".join(f"{c} ({num(len(m))})" for c, m in scan.files.items())
    st.markdown(tr("own.zip_found", n=num(scan.count), k=num(len(scan.files)), classes=counts))
    if scan.not_images or scan.loose:
        st.caption(tr("own.zip_skipping", n=num(len(scan.not_images) + len(scan.loose))))
    left, middle, right = st.columns(3)
    sides = {s: f"{s} × {s}" for s in image_upload.SIDES}
    side = left.selectbox(
        tr("own.side"), list(sides), format_func=sides.__getitem__, key="widget.own.side",
        index=list(sides).index(st.session_state.get("own.side", scan.side)), help=tr("own.side_help"),
    )  # fmt: skip
    st.session_state["own.side"] = side
    gray = middle.toggle(tr("own.gray"), value=bool(st.session_state.get("own.gray", scan.gray)), key="own.gray_w")
    st.session_state["own.gray"] = gray
    test = fraction_slider(right, tr("own.test"), "own.img_test", 0.2, tr("own.test_help"))
    _create_button("images", file.name, data, image_upload.ingest_images, image_upload.ImageOptions(side, gray, test))


def _table_upload() -> None:
    if (uploaded := _uploaded("csv", ["csv", "txt"])) is None:
        return
    file, data, scan = uploaded
    target_default = scan.names[-1]
    _defaults_once("table", file.file_id, {"own.target": target_default, "own.task": scan.task_of(target_default),
                                   "own.csv_test": 0.2})  # fmt: skip
    separators = {",": tr("own.sep.comma"), ";": tr("own.sep.semicolon"), "\t": tr("own.sep.tab"), "|": "|"}
    st.markdown(
        tr(
            "own.csv_found",
            rows=num(len(scan.table.rows)),
            cols=num(len(scan.names)),
            sep=separators[scan.table.separator],
            dec=tr("own.dec.comma") if scan.table.decimal == "," else tr("own.dec.point"),
        )
    )
    st.dataframe(preview_rows(scan.names, scan.table.rows), hide_index=True, height=180)
    left, middle, right = st.columns(3)
    names = scan.names
    target = left.selectbox(tr("own.target"), names, index=names.index(st.session_state.get("own.target",
                            target_default)) if st.session_state.get("own.target") in names else len(names) - 1,
                            key="widget.own.target", on_change=_target_changed, args=(scan,))  # fmt: skip
    st.session_state["own.target"] = target
    tasks = {"classification": tr("ds.task.classification"), "regression": tr("ds.task.regression")}
    task = middle.radio(
        tr("own.task"), list(tasks), format_func=tasks.__getitem__, horizontal=True, key="widget.own.task",
        index=list(tasks).index(st.session_state.get("own.task", scan.task_of(target))), help=tr("own.task_help"),
    )  # fmt: skip
    st.session_state["own.task"] = task
    test = fraction_slider(right, tr("own.test"), "own.csv_test", 0.2, tr("own.test_help"))
    _create_button("table", file.name, data, table_upload.ingest_table, table_upload.TableOptions(target, task, test))


def _target_changed(scan: table_upload.TableScan) -> None:
    target = st.session_state["widget.own.target"]
    st.session_state["own.target"] = target
    set_value("own.task", scan.task_of(target))
    st.session_state.pop("widget.own.task", None)


def _create_button(kind: str, file: str, data: bytes, ingest, options) -> None:
    """The Create button of an upload; the ingest runs in the background (see :func:`_progress`)."""
    if st.button(tr("own.create"), type="primary", key=f"own.create_{kind}"):
        who = identity.nickname()
        _start(file, lambda progress: ingest(data, file, options, who, progress))


def _start(file: str, work) -> None:
    if ingests().start(session_id(), file, work) is None:
        st.warning(tr("own.busy"))
    st.session_state["own.expanded"] = True


def _progress() -> None:
    job = ingests().current(session_id())
    if job is None:
        return

    @st.fragment(run_every=0.5 if not job.done else None)
    def _view() -> None:
        if not job.done:
            st.progress(job.progress, text=tr("own.working", file=job.file, s=num(job.seconds, 1)))
            return
        if job.report is not None and st.session_state.get("own.opened") != job.report.name:
            st.session_state["own.opened"] = job.report.name  # open the new dataset, once
            switch_value(keys.DATA_NAME, job.report.name)
            st.rerun(scope="app")  # the whole page: it shows the new dataset
        if job.error is not None:
            st.error(error_text(job.error, job.file, lang()))
        elif job.report is not None:
            _finished(job.report, job.seconds)
        if st.button(tr("own.dismiss"), key="own.dismiss"):
            ingests().clear(session_id())
            st.rerun(scope="app")

    _view()


def _finished(report, seconds: float) -> None:
    key = "own.created" if report.created else "own.existed"
    st.success(tr(key, name=dataset_label(report.name), s=num(seconds, 1)))
    for code, values in report.notes:
        st.caption(note_text(code, values, lang()))
