"""Every plain session-state key the app uses, declared once: its name, the type of its value, what it holds.

A session's state is one dict that every page and part reads and writes by name; a name
spelled twice differently, or a value of another shape, fails silently (a ``.get`` just
finds nothing). So each key the code spells out is declared here, and a house rule
(tests/test_house_rules.py) finds every key that ``app.py`` and ``app_pages/`` name and
fails on one that is not declared, or on a declaration nothing uses.

A key built at run time is declared as a family: ``*`` stands for the part made then
(``les.run.*`` is ``les.run.<preset id>``). A value kept by ``state.bind`` lives under its
plain key; its widget is ``widget.<key>`` (``.<n>`` once ``state.switch_value`` renewed it,
counted in ``<key>.gen``). Widget keys are declared when the code reads them from the state.

The keys that several modules share have a constant below; a key one module owns is
spelled there (or named by that module's own constant), and declared here all the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from lib.model.spec import ModelSpec
from lib.model.train_config import TrainSettings

# Shared by several modules: these constants, not the literal, where they are used.
APP_PAGE = "app.page"
ARCH_NOTE = "arch.note"
ARCH_SPEC = "arch.spec"
ARCH_TARGET_KIND = "arch.target_kind"
DATA_NAME = "data.name"
DATA_TRAIN_SAMPLES = "data.train_samples"
DATA_VAL_FRACTION = "data.val_fraction"
DRAW_CHOSEN = "draw.chosen"
LES_PRESENT = "les.present"
TRAIN_BACKEND = "train.backend"
TRAIN_CACHED = "train.cached"
TRAIN_RUN_ID = "train.run_id"
TRAIN_SETTINGS = "train.settings"

# A result kept for one rerun: (what it was for, a catalog code or "ok", the code's values).
Verdict = tuple[tuple[str, str], str, dict]


@dataclass(frozen=True)
class Key:
    """One session-state key (or a family of them, ``*`` where a part is made at run time)."""

    name: str
    type: object  # the type of the value kept under it
    doc: str

    @property
    def is_family(self) -> bool:
        """True when ``name`` is a pattern (``*`` stands for a part made at run time)."""
        return "*" in self.name


KEYS: tuple[Key, ...] = (
    # The app's frame: language, page, identity, address (app.py, shared, identity, address)
    Key("app.lang", str, "the interface language, 'en' or 'pt'"),
    Key(APP_PAGE, str, "the page the navigation opened in this run ('home', 'training', ...)"),
    Key("app.session", str, "this session's id: the owner of the runs it starts"),
    Key("app.browser_key", str, "the secret in use for this browser (its nicknames are held under it)"),
    Key("app.browser_key_source", str, "where that secret came from: 'browser', 'offered', 'session' or 'given'"),
    Key("app.browser_key_offer", str, "the secret a first visit is given for its browser to keep"),
    Key("app.nickname", str, "the nickname this browser signed in with"),
    Key("app.nick_verified", str | None, "the nickname this run checked against the registry"),
    Key("app.nick_wanted", str, "the nickname asked for, before it is granted"),
    Key("app.nicks_claimed", list[str], "the nicknames this session claimed (handed over to the browser's key)"),
    Key("app.nick_taken", str, "a nickname another browser holds: the sidebar says so"),
    Key("app.nick_suggested", bool, "the nickname was suggested by the app, not typed"),
    Key("app.nick_error", bool, "the typed nickname was refused: said once"),
    Key("app.teacher", bool, "this browser is the teacher"),
    Key("app.teacher_failed", bool, "a wrong teacher passphrase: said once"),
    Key("app.teacher_wait", float, "seconds before another passphrase may be tried: said once"),
    Key("app.addr.setup", str, "the setup token this session last restored from or wrote to the address"),
    Key("app.addr.started", bool, "this session's first run is over: its address was restored"),
    Key("app.addr.dropped", list[str], "catalog names of the parts an address could not restore: said once"),
    Key("widget.nickname", str, "the sidebar's nickname field"),
    Key("widget.passphrase", str, "the sidebar's teacher passphrase field"),
    # The class link (classlink)
    Key("class.code", str, "the class code this teacher published"),
    Key("class.follow", bool, "the teacher's 'the class follows me' switch (its widget key too)"),
    Key("class.published", tuple[str, str], "(setup token, page) last published, so it is published once"),
    Key("class.goto", str, "the page a joined class code opens, once the navigation exists"),
    Key("class.join_error", bool, "a typed class code is unknown: said once"),
    Key("class.base_error", bool, "the typed public address is not one: said once"),
    Key("widget.class_code", str, "the student's class code field"),
    Key("widget.class_base", str, "the teacher's public address field"),
    # Datasets page
    Key(DATA_NAME, str, "the chosen dataset's name (a built-in one or an upload's hash)"),
    Key(DATA_TRAIN_SAMPLES, int, "how many training samples to use; 0: all of them"),
    Key(DATA_VAL_FRACTION, float, "the validation fraction, 0 to 0.5"),
    Key("own.file.*", str, "the upload id whose defaults were set, per kind ('images', 'table')"),
    Key("own.side", int, "an image upload's side in pixels"),
    Key("own.gray", bool, "an image upload is made grayscale"),
    Key("own.img_test", float, "an image upload's test fraction"),
    Key("own.csv_test", float, "a table upload's test fraction"),
    Key("own.target", str, "a table upload's target column"),
    Key("own.task", str, "a table upload's task: 'classification' or 'regression'"),
    Key("own.expanded", bool, "the upload panel stays open once used"),
    Key("own.opened", str, "the upload last opened as the dataset (opened once)"),
    Key("own.deleted", str, "the label of the upload just deleted: said once"),
    Key("widget.own.target", str, "the target column's widget, read when it changes"),
    Key("widget.own.task", str, "the task's widget, dropped when the target changes"),
    Key("make.current", str, "the drawn-dataset collection being edited"),
    Key("make.picks", int, "renewals of the collection picker (a new widget after a new collection)"),
    Key("make.round", int, "drawing rounds: a new one empties the canvas, camera and uploader"),
    Key("make.result", tuple, "the last sample's verdict: ('ok', class, count) or ('error', code, values)"),
    Key("make.built", str, "the dataset just built from a collection: said once"),
    Key("make.expanded", bool, "the drawing panel stays open once used"),
    # Architecture page
    Key(ARCH_SPEC, ModelSpec, "the model being edited"),
    Key("arch.auto", tuple[str, str], "(dataset, spec JSON) of a lesson network the app chose, not the user"),
    Key("arch.preset", str, "the chosen preset's id"),
    Key("arch.mode", str, "the model's mode widget: 'sequential' or 'functional'"),
    Key(ARCH_TARGET_KIND, str, "the model's target kind: 'classes', 'value' or 'input'"),
    Key("arch.batch", int, "the batch size the shape analysis assumes (widget)"),
    Key(ARCH_NOTE, str, "what the last change of model did (a preset adapted, a link loaded): said once"),
    Key("arch.link_error", str, "why an older model link could not load: said once"),
    Key("arch.upload", object, "the uploaded model JSON (a Streamlit UploadedFile, widget)"),
    Key("arch.upload_error", str, "why the uploaded model JSON could not load: said once"),
    Key("arch.p.*", object, "the layer editor's widgets, per layer and parameter (dropped when the model changes)"),
    # Training page
    Key(TRAIN_SETTINGS, TrainSettings, "the compile and fit settings"),
    Key(TRAIN_BACKEND, str, "the chosen backend: 'auto', 'tensorflow' or 'jax'"),
    Key("train.w.*", object, "the settings form's widgets (dropped when the settings are replaced)"),
    Key(TRAIN_RUN_ID, str, "the run the Training page shows"),
    Key(TRAIN_CACHED, bool, "that run was already trained: nothing new was started"),
    Key("train.note", tuple[str, str, str | None], "(kind, text, run id) of the last submit: said with that run"),
    Key("train.stop_shared", bool, "the shown run is someone else's that this session may stop"),
    Key("train.more", int, "epochs to continue the shown run by (widget)"),
    # Runs page
    Key("runs.chosen", list[str], "the runs chosen to compare (widget)"),
    Key("runs.whole_class", bool, "list the whole class's runs, not only mine (widget)"),
    Key("runs.confirm_delete", list[str], "the runs a delete asks to confirm"),
    Key("runs.trash_result", tuple[int, int], "(moved to the bin, refused) of the last delete: said once"),
    Key("runs.restored", bool, "the last restore from the bin worked: said once"),
    Key("runs.import_result", Verdict, "the last model import's verdict, per file and dataset"),
    Key("runs.weights_result", Verdict, "the last weights upload's verdict, per file and run"),
    Key("*.true", int, "a confusion panel's chosen true class (per panel key)"),
    Key("*.predicted", int, "a confusion panel's chosen predicted class (per panel key)"),
    Key("*.clicked", tuple[int, int], "the confusion cell last clicked (per panel key)"),
    Key("*.chart", object, "a confusion chart's selection event (per panel key, widget)"),
    Key("*.cell", tuple[int, int], "the cell whose test images are listed (per panel key)"),
    Key("*.image", int, "the test image shown from that cell (per panel key, widget)"),
    Key("*.tsne.*.*.*", bool, "a t-SNE projection was asked for: per panel, run, checkpoint time and dimensions"),
    # Experiments page
    Key("exp.kind", str, "the open experiment: 'baseline', 'sweep', 'class', 'folds' or 'imbalance'"),
    Key("exp.cv.runs", list[str], "the cross-validation runs, one per fold"),
    Key("exp.imb.runs", dict, "the imbalance experiment: {'runs': {way: run id}, 'classes': [...]}"),
    Key("sweep.current", dict, "the sweep shown: {'base': config, 'cells': [...]}"),
    Key("sweep.note", str, "what the last sweep press did: said once"),
    Key("sweep.best_note", bool, "the sweep's best settings were just used: said once"),
    Key("sweep.class.pick", str, "the class sweep opened (widget)"),
    Key("sweep.class.mine", tuple[str, int, str], "(sweep, cell, run id) this student trained for a class sweep"),
    # Draw page
    Key("draw.run", str, "the model the drawing is shown to (widget)"),
    Key(DRAW_CHOSEN, dict, "{'run': run id, 'listed': run ids}: the choice, kept while no new run appears"),
    Key("draw.clears", int, "canvas clears (a new canvas widget each time)"),
    Key("draw.ready_run", str, "the lesson network trained for the Draw page"),
    # Lessons page
    Key("les.at", tuple[int, int], "(lesson, step) shown, 1-based"),
    Key("les.gen", int, "renewals of the step pickers (drawn anew after a move)"),
    Key("les.pick_lesson.*", int, "the lesson picker, per renewal (widget)"),
    Key("les.pick_step.*", int, "the step picker, per renewal (widget)"),
    Key(LES_PRESENT, bool, "presentation mode (?present=1 in the address): the projector's view"),
    Key("les.lead", bool, "the teacher leads the class: students follow this page"),
    Key("les.follow", bool, "a student follows the teacher's step"),
    Key("les.beat", float, "when the follow file was last read (time.time())"),
    Key("les.clears", int, "the lesson canvas's clears (a new canvas widget each time)"),
    Key("les.run.*", str, "the run a lesson step trained, per preset id"),
    Key("les.norm.runs", dict, "the normalisation step's runs: {'raw': id, 'scaled': id}"),
    Key("les.longer_run", str, "the 'train longer' step's run"),
    # Demos page
    Key("demo.open", str, "the open demo tab's name"),
    Key("demo.tabs.*", str, "the tab widget, per language (its labels change with it)"),
    Key("demo.pg.noise", float, "the playground's noise fraction"),
    Key("demo.pg.run", str, "the playground's run"),
    Key("demo.pg.note", str, "the playground's queue note: said with its run"),
    Key("demo.conv.source", str, "the convolution demo's image source (widget)"),
    Key("demo.drop.seed", int, "the dropout demo's draw (a new mask each press)"),
    Key("demo.aug.seed", int, "the augmentation demo's draw (new copies each press)"),
    Key("demo.aug.runs", dict, "the augmentation demo's runs: {'plain': id, 'augmented': id}"),
    Key("demo.ae.run", str, "the autoencoder demo's run"),
    Key("demo.gan.run", str, "the GAN demo's run"),
    Key("demo.tl", dict, "the transfer demo: {'plan': ..., 'runs': {'base': id, ...}}"),
    # The bind machinery (state.py)
    Key("*.gen", int, "renewals of a bound value's widget (state.switch_value)"),
)
KEY_BY_NAME: dict[str, Key] = {key.name: key for key in KEYS}
