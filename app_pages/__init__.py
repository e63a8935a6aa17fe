"""The app's pages, declared once: the navigation (app.py), links between pages and the tests read this.

Adding a page: its script in this folder, and one line here (its address, icon and title in
both languages). Only pages sit in this folder; their building blocks (``*_tools.py``,
``shared.py``, ...) are in ``app_pages/parts/`` (tests/test_house_rules.py checks both).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class NavPage:
    """One page of the navigation: its address (``/draw``), script, icon and title per language."""

    name: str
    icon: str
    title: dict[str, str]

    @property
    def script(self) -> str:
        """The page's script, relative to the app's folder."""
        return f"app_pages/{self.name}.py"


PAGES: tuple[NavPage, ...] = (
    NavPage("home", ":material/school:", {"en": "Start", "pt": "Início"}),
    NavPage("lessons", ":material/cast_for_education:", {"en": "Lessons", "pt": "Aulas"}),
    NavPage("datasets", ":material/dataset:", {"en": "Datasets", "pt": "Conjuntos de dados"}),
    NavPage("architecture", ":material/account_tree:", {"en": "Architecture", "pt": "Arquitetura"}),
    NavPage("training", ":material/model_training:", {"en": "Training", "pt": "Treinamento"}),
    NavPage("runs", ":material/history:", {"en": "Runs", "pt": "Execuções"}),
    NavPage("experiments", ":material/tune:", {"en": "Experiments", "pt": "Experimentos"}),
    NavPage("draw", ":material/draw:", {"en": "Draw", "pt": "Desenhar"}),
    NavPage("demos", ":material/science:", {"en": "Demos", "pt": "Demonstrações"}),
)
PAGE_BY_NAME = {page.name: page for page in PAGES}
