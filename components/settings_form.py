"""The settings form: one widget per entry of data_loaders.settings.DEFINITIONS, chosen by its kind
and bounded by its range, labelled and explained in the person's language. Saving checks every
changed value first (data_loaders.settings.validate and the cross-setting rule) and writes nothing
if any is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from components import auth, cached
from components.state import language, tr
from data_loaders.i18n import DEFAULT_LANGUAGE, LANGUAGES, format_date, format_number, parse_number, t, tn
from data_loaders.identity.accounts import Account, AccountError
from data_loaders.identity.admin import change_setting
from data_loaders.store import settings
from data_loaders.store.settings import DEFINITIONS, InvalidSetting, SettingDef

_FLASH = "settings_flash"


def show_flash() -> None:
    outcome = st.session_state.pop(_FLASH, None)
    if outcome is None:
        return
    ok, messages = outcome
    for message in messages:
        if ok:
            st.success(message, icon=":material/check_circle:")
        else:
            st.error(message, icon=":material/block:")


def _range_text(definition: SettingDef) -> str:
    lang = language()
    if definition.kind is bool:
        return ""
    if definition.kind is str and definition.choices:
        return ""
    if definition.kind is str and not definition.minimum:
        return tr("settings_length_text", length=format_number(definition.maximum, lang))
    if definition.kind is str:
        return tr("settings_range_text", prefix=definition.minimum, length=format_number(definition.maximum, lang))
    if definition.kind is dt.date:
        low, high = format_date(definition.minimum, lang), format_date(definition.maximum, lang)
    else:
        decimals = 0 if definition.kind is int else None  # a fraction shows the digits it has: 0 – 1, not 0,00 – 1,00
        low, high = format_number(definition.minimum, lang, decimals), format_number(definition.maximum, lang, decimals)
    return tr("settings_range", minimum=low, maximum=high)


def _help(definition: SettingDef) -> str:
    extra = _range_text(definition)
    text = tr(f"setting_{definition.key}_help")
    return f"{text} {extra}".strip()


def _widget(container, definition: SettingDef, value: Any) -> Any:
    label, help_text, key = tr(f"setting_{definition.key}"), _help(definition), widget_key(definition)
    if definition.kind is bool:
        return container.toggle(label, value=bool(value), help=help_text, key=key)
    if definition.kind is int:
        return container.number_input(label, value=int(value), min_value=int(definition.minimum),
                                      max_value=int(definition.maximum), step=1, help=help_text, key=key)
    if definition.kind is float:
        # st.number_input writes its value with a printf format ("90.00") in every language; a text field
        # shows it the person's way (90, 0,5) and _save reads it back the same way (parse_number).
        # Whole-number settings keep number_input: a field of digits reads the same in both languages.
        text = format_number(value, language(), None)
        if key in st.session_state:
            if st.session_state[key] in {format_number(value, other, None) for other in LANGUAGES}:
                st.session_state[key] = text  # the language changed: the stored value, written the new way
            return container.text_input(label, help=help_text, key=key)
        return container.text_input(label, value=text, help=help_text, key=key)
    if definition.kind is dt.date:
        return container.date_input(label, value=value, min_value=definition.minimum, max_value=definition.maximum,
                                    format="DD/MM/YYYY" if language() == "vi" else "YYYY-MM-DD", help=help_text,
                                    key=key)
    if definition.choices:
        if definition.key in TRANSLATED_CHOICES:
            # a selectbox keeps its choice as the label shown, so one whose labels follow the language is a
            # widget per language: the new one starts at the choice the other held
            for other in (lang for lang in LANGUAGES if lang != language()):
                held = st.session_state.pop(widget_key(definition, other), None)
                value = held if held in definition.choices else value
        shown_in = language()  # bound now: the labels are also written outside the script's run
        return container.selectbox(label, definition.choices, index=definition.choices.index(value), help=help_text,
                                   key=key, format_func=lambda choice: _choice_label(definition.key, choice, shown_in))
    return container.text_input(label, value=str(value), max_chars=int(definition.maximum), help=help_text, key=key)


CHOICE_LABELS = {"none": "—", "starttls": "STARTTLS", "ssl": "SSL/TLS"}
# choices named in the person's language: what leaders' views count (figures/sources.py)
TRANSLATED_CHOICES = {"figures_counted": {"submitted": "setting_figures_counted_submitted",
                                          "approved": "setting_figures_counted_approved"}}


def widget_key(definition: SettingDef, lang: str | None = None) -> str:
    """The form field's key: for a choice whose labels are translated, one per language (see _widget;
    the default language's is the plain one)."""
    lang = lang or language()
    if definition.key in TRANSLATED_CHOICES and lang != DEFAULT_LANGUAGE:
        return f"setting::{definition.key}::{lang}"
    return f"setting::{definition.key}"


def _choice_label(setting: str, choice: str, lang: str) -> str:
    key = TRANSLATED_CHOICES.get(setting, {}).get(choice)
    return t(key, lang) if key else CHOICE_LABELS.get(choice, choice)


# Settings shown together, in this order; any definition not listed goes to the last group.
GROUPS = (
    ("settings_group_warnings", ("due_soon_days", "stalled_days", "trend_months", "tasks_start_date")),
    ("settings_group_quality", ("live_full_days", "live_zero_days", "clean_resolved_weight", "attention_count")),
    ("settings_group_approvals", ("figures_counted", "report_due_day")),
    ("settings_group_email", ("smtp_host", "smtp_port", "smtp_security", "smtp_sender", "smtp_username")),
    ("settings_group_access", ("public_read_only", "public_base_url", "lockout_attempts", "lockout_minutes",
                               "session_minutes")),
)


def _grouped() -> list[tuple[str, list[SettingDef]]]:
    listed = {key for _, keys in GROUPS for key in keys}
    groups = [(title, [settings.DEFINITION_BY_KEY[k] for k in keys if k in settings.DEFINITION_BY_KEY])
              for title, keys in GROUPS]
    rest = [d for d in DEFINITIONS if d.key not in listed]
    if rest:
        groups[-1][1].extend(rest)
    return groups


def settings_form(admin: Account) -> None:
    """The form; saving happens in its callback (before the page runs again), which leaves the
    outcome for show_flash."""
    current = settings.get_settings(cached.engine())
    with st.form("settings"):
        for title, definitions in _grouped():
            st.subheader(tr(title))
            columns = st.columns(2)
            for index, definition in enumerate(definitions):
                _widget(columns[index % 2], definition, current[definition.key])
        st.form_submit_button(tr("settings_save"), key="settings_submit", type="primary", icon=":material/save:",
                              on_click=_save, args=(admin, current))


def _save(admin: Account, shown: dict[str, Any]) -> None:
    submitted = {d.key: _read(d, st.session_state.get(widget_key(d), shown[d.key]), shown[d.key])
                 for d in DEFINITIONS}
    problems = save_settings(submitted, shown, admin)
    if problems:
        st.session_state[_FLASH] = (False, problems)


def _read(definition: SettingDef, value: Any, shown: Any) -> Any:
    """A decimal typed in the person's language ("0,5") as a number. A field left as shown keeps the stored
    value (the field rounds it to three decimals); what cannot be read in the language ("0.5" in
    Vietnamese) becomes None, which validation refuses with the setting's range."""
    if definition.kind is not float or not isinstance(value, str):
        return value
    if value == format_number(shown, language(), None):
        return shown
    try:
        return parse_number(value, language())
    except ValueError:
        return None


def save_settings(submitted: dict[str, Any], shown: dict[str, Any], admin: Account) -> list[str]:
    """Check every changed value, then store them under the administrator's name (the data layer
    checks again that the account may manage settings); nothing is stored when any is refused.
    Returns the problems (empty when saved)."""
    changed = {key: value for key, value in submitted.items() if value != shown[key]}
    if not changed:
        st.session_state[_FLASH] = (True, [tr("settings_nothing_changed")])
        return []
    problems, parsed = [], {}
    for key, value in changed.items():
        try:
            parsed[key] = settings.validate(key, value)
        except InvalidSetting:
            problems.append(tr("settings_refused", setting=tr(f"setting_{key}"),
                               rule=_range_text(settings.DEFINITION_BY_KEY[key])))
    candidate = {**submitted, **parsed}
    if candidate["live_zero_days"] <= candidate["live_full_days"]:
        problems.append(tr("settings_live_order", zero=tr("setting_live_zero_days"), full=tr("setting_live_full_days")))
    if problems:
        return problems + [tr("settings_nothing_saved")]
    # change_setting checks live_full_days < live_zero_days after each single change: when the
    # window's end moves later, store the end first; otherwise its start first
    zero_first = parsed.get("live_zero_days", 0) > shown["live_zero_days"]
    order = sorted(parsed, key=lambda k: (k != "live_zero_days") if zero_first else (k == "live_zero_days"))
    try:
        for key in order:
            change_setting(key, parsed[key], cached.engine(), account=admin)
    except InvalidSetting:
        return [tr("settings_save_failed")]
    except AccountError as error:
        return [auth.error_message(error)]
    saved = tn("settings_saved", len(parsed), language(), count=format_number(len(parsed), language()))
    st.session_state[_FLASH] = (True, [saved])
    return []
