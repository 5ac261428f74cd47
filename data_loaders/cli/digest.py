"""`python -m data_loaders digest`: the "To do" digests by e-mail, for a cron job.

    python -m data_loaders digest --send       # every account whose daily or weekly digest is due
    python -m data_loaders digest --dry-run    # print them instead; nothing is sent or marked
    … [--account NAME] (that account only, due or not) [--json]

Each digest lists the directions the account must answer, the answers to its own directions and the
warnings new since its last digest, each with a link; an account with nothing new gets no e-mail.
The SMTP server comes from the settings smtp_host, smtp_port, smtp_security (none, starttls, ssl),
smtp_sender and smtp_username; its password from the environment variable NQ57_SMTP_PASSWORD.
Exit 0 when every due digest was sent, 1 when one failed (named in the output), 2 for bad usage or
e-mail not configured."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from email.message import EmailMessage

from data_loaders.i18n import DEFAULT_LANGUAGE, LANGUAGES, TIME_ZONE, format_date, t


def _language(account) -> str:
    lang = getattr(account, "language", None)
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def compose(account, items: dict, settings: dict, today: dt.date, engine) -> EmailMessage | None:
    """The digest of one account in its language, or None when it has nothing to say."""
    from data_loaders.figures.scope import get_unit
    from data_loaders.figures.views import view_url
    from data_loaders.i18n.message import render

    lang = _language(account)
    base = settings["public_base_url"]
    count = len(items["to_answer"]) + len(items["answered_for_me"]) + len(items["new_warnings"])
    if count == 0:
        return None
    lines = [t("digest_greeting", lang, name=account.display_name or account.username), ""]

    def direction_lines(rows) -> None:
        for row in rows:
            about = f"{row['task_code']} · {row['unit_name']}" if row["task_code"] else row["unit_name"]
            due = t("direction_due_on", lang, date=format_date(row["due_date"], lang)) if row["due_date"] else ""
            state = t(f"direction_state_{row['state']}", lang)
            lines.append(f"- [{state}] {about}: {row['text'][:200]}"
                         + (f" ({due})" if due else ""))
            lines.append(f"  {view_url(base, 'directions', get_unit(row['unit_code'], engine), today)}")

    sections = (("digest_section_to_answer", items["to_answer"]),
                ("digest_section_answered", items["answered_for_me"]))
    for key, rows in sections:
        if rows:
            lines.append(t(key, lang, count=len(rows)))
            direction_lines(rows)
            lines.append("")
    if items["new_warnings"]:
        as_of = dt.date.fromisoformat(items["as_of"])
        lines.append(t("digest_section_warnings", lang, count=len(items["new_warnings"])))
        for warning in items["new_warnings"]:
            lines.append(f"- {render(warning['message'], lang)}")
            lines.append(f"  {view_url(base, 'warnings', get_unit(warning['unit']['code'], engine), as_of)}")
        lines.append("")
    lines.append(t("digest_footer", lang))
    message = EmailMessage()
    message["Subject"] = t("digest_subject", lang, count=count, date=format_date(today, lang))
    message["From"] = settings["smtp_sender"]
    message["To"] = account.email
    message.set_content("\n".join(lines))
    return message


def _smtp(settings: dict):
    import smtplib

    host, port, security = settings["smtp_host"], settings["smtp_port"], settings["smtp_security"]
    server = smtplib.SMTP_SSL(host, port, timeout=30) if security == "ssl" else smtplib.SMTP(host, port, timeout=30)
    if security == "starttls":
        server.starttls()
    if settings["smtp_username"]:
        server.login(settings["smtp_username"], os.environ.get("NQ57_SMTP_PASSWORD", ""))
    return server


def run_digests(engine, *, send: bool, account_name: str | None = None, now: dt.datetime | None = None) -> list[dict]:
    """Compose (and with `send`, send and mark) every due digest; one result per account considered."""
    from data_loaders.follow_up import inbox
    from data_loaders.identity import audit
    from data_loaders.identity.accounts import get_account, list_accounts
    from data_loaders.store.settings import get_settings

    now = now or dt.datetime.now(dt.timezone.utc)
    today = now.astimezone(TIME_ZONE).date()
    settings = get_settings(engine)
    if account_name:
        account = get_account(account_name, engine)
        if account is None:
            raise ValueError("digest_unknown_account")
        chosen = [account]
    else:
        due = dict(inbox.digest_due(engine, now))
        chosen = [account for account in list_accounts(engine) if account.id in due]
    results, server = [], None
    try:
        for account in chosen:
            if account.disabled or not account.email:
                results.append({"account": account.username, "to": account.email, "sent": False,
                                "reason": "no_email" if not account.email else "disabled"})
                continue
            items = inbox.inbox(account, today, since="digest", engine=engine)
            message = compose(account, items, settings, today, engine)
            result = {"account": account.username, "to": account.email, "sent": False,
                      "items": len(items["to_answer"]) + len(items["answered_for_me"]) + len(items["new_warnings"])}
            if message is None:
                result["reason"] = "nothing_new"
                if send:  # checked: the next digest is due a period from now
                    inbox.mark_digested(account, items["warning_keys"], engine=engine, now=now)
            elif not send:
                result["subject"], result["body"] = message["Subject"], message.get_content()
            else:
                try:
                    server = server or _smtp(settings)
                    server.send_message(message)
                except OSError as error:  # smtplib's errors are OSErrors: refused, unreachable, TLS
                    result["reason"] = f"smtp_failed: {type(error).__name__}"
                    server = None
                else:
                    result["sent"] = True
                    inbox.mark_digested(account, items["warning_keys"], engine=engine, now=now)
                    audit.record("digest_sent", "cli:digest", target=account.username,
                                 detail={"items": result["items"]}, engine=engine)
            results.append(result)
    finally:
        if server is not None:
            try:
                server.quit()
            except OSError:
                pass
    return results


def cmd_digest(args: argparse.Namespace) -> int:
    from data_loaders.cli.main import UsageError, _lang, _print_json
    from data_loaders.seed import bootstrap
    from data_loaders.store.settings import get_settings

    engine = bootstrap.prepare()
    settings = get_settings(engine)
    if args.send and not (settings["smtp_host"] and settings["smtp_sender"]):
        raise UsageError(t("digest_smtp_missing", _lang()))
    try:
        results = run_digests(engine, send=args.send, account_name=args.account)
    except ValueError:
        raise UsageError(t("digest_unknown_account", _lang(), name=args.account)) from None
    failed = [r for r in results if r.get("reason", "").startswith("smtp_failed")]
    if args.json:
        _print_json({"status": "failed" if failed else "ok", "digests": results})
    else:
        for result in results:
            if "body" in result:
                print(f"To: {result['to']}\nSubject: {result['subject']}\n\n{result['body']}\n{'-' * 60}")
            else:
                state = "sent" if result["sent"] else result.get("reason", "")
                print(f"{result['account']} <{result['to'] or '-'}>: {state}")
    return 1 if failed else 0


def register(commands) -> None:
    digest = commands.add_parser("digest", help="e-mail each account its due 'To do' digest (daily or weekly)")
    mode = digest.add_mutually_exclusive_group(required=True)
    mode.add_argument("--send", action="store_true", help="send the due digests over SMTP (a cron job)")
    mode.add_argument("--dry-run", action="store_true", help="print the digests; send and mark nothing")
    digest.add_argument("--account", help="only this account, due or not")
    digest.add_argument("--json", action="store_true")
    digest.set_defaults(handler=cmd_digest)
