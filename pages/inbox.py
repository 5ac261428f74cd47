"""Việc cần làm / To do: what asks something of the signed-in person now — directions to answer,
answers to their own directions, warnings new since their last visit — and their e-mail digest choice."""

import streamlit as st

from components import auth, cached
from components.directions_view import direction_list, local_today, show_outcome
from components.shell_guard import require_app_shell
from components.state import language, tr
from components.warning_list import listed, warning_list
from data_loaders.follow_up import inbox
from data_loaders.identity import access
from data_loaders.identity.accounts import AccountError

require_app_shell()
account = auth.require("view")
if account is None:  # the public read-only view has nobody to ask anything of
    st.info(tr("inbox_sign_in"), icon=":material/login:")
    st.stop()
lang = language()
engine = cached.engine()
today = local_today()

st.title(tr("inbox_title"))
st.caption(tr("inbox_intro"))
show_outcome()
items = inbox.inbox(account, today, engine=engine, read=cached.read)  # the warnings from the shared cache

if access.may(account, "upload"):  # only those who report answer directions
    st.subheader(tr("inbox_to_answer", count=len(items["to_answer"])))
    direction_list(account, items["to_answer"], empty_key="inbox_nothing_to_answer")
st.subheader(tr("inbox_answered_for_me", count=len(items["answered_for_me"])))
direction_list(account, items["answered_for_me"], empty_key="inbox_no_answers")
st.subheader(tr("inbox_new_warnings", count=len(items["new_warnings"])))
if items["new_warnings"]:
    warning_list(*listed(items["new_warnings"]), lang, key="inbox")
else:
    st.success(tr("inbox_no_new_warnings"), icon=":material/check_circle:")
# shown now: the next visit lists only warnings that appear after it
inbox.mark_visited(account, items["warning_keys"], engine=engine)

st.divider()
current = inbox.digest_frequency(account, engine=engine)
choice = st.segmented_control(tr("inbox_digest"), inbox.DIGEST_FREQUENCIES, default=current,
                              format_func=lambda f: tr(f"inbox_digest_{f}"), key="inbox_digest_choice")
# an account without an address is told so (it read "Gửi đến –"), as choosing a digest would tell it
st.caption(tr("inbox_digest_help", email=account.email) if account.email else tr("digest_needs_email"))
if choice and choice != current:
    try:
        inbox.set_digest_frequency(account, choice, engine=engine)
    except AccountError as error:
        st.error(auth.error_message(error), icon=":material/block:")
    else:
        st.success(tr("inbox_digest_saved"), icon=":material/check_circle:")
