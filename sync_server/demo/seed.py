"""Demo data: one account per role (and a few more), the seed's categories, and a few dozen
realistic tickets in every status with public replies and internal notes.

Everything goes through the write layer, so the demo data syncs like real data. Dates are
spread over the last weeks so that lists and reports look like a desk in use.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sync_server.db.models import Category, Ticket, User
from sync_server.services import clock
from sync_server.services.helpdesk import catalog, tickets
from sync_server.services.identity import accounts
from sync_server.services.identity.principal import Principal
from sync_server.services.knowledge import articles
from sync_server.services.sla import calendars, policies
from ticketing.business_time import WEEKDAYS
from ticketing.domain import AgentVisibility, ArticleStatus, Priority, Role, Status
from ticketing.schemas import ArticleCreate, CommentCreate, TicketCreate, TicketPatch, UserCreate
from ticketing.sla_schemas import CalendarCreate, PolicyCreate, WeekHours

#: (name, email, password, role) of every demo account; the first three are the README's.
DEMO_PEOPLE: tuple[tuple[str, str, str, str], ...] = (
    ("Ada Lovelace", "admin@example.com", "admin-pass-1", "admin"),
    ("Alice Agent", "agent@example.com", "agent-pass-1", "agent"),
    ("Uma User", "user@example.com", "user-pass-1", "user"),
    ("Tom Field", "tech@example.com", "tech-pass-1", "agent"),
    ("Priya Shah", "priya@example.com", "priya-pass-1", "user"),
    ("Marco Rossi", "marco@example.com", "marco-pass-1", "user"),
)
#: (email, password, role) of the accounts the README lists, one per role.
DEMO_ACCOUNTS: tuple[tuple[str, str, str], ...] = tuple(
    (email, password, role) for _name, email, password, role in DEMO_PEOPLE[:3]
)


@dataclass(frozen=True)
class _Story:
    title: str
    category: str
    priority: str
    description: str
    status: Status
    replies: tuple[tuple[str, str, bool], ...] = ()  # (who: requester|agent, text, internal)


_STORIES: tuple[_Story, ...] = (
    _Story(
        "Laptop will not power on",
        "Hardware",
        "High",
        "<p>My ThinkPad shows no lights at all since this morning. Charger LED is on.</p>",
        Status.IN_PROGRESS,
        (
            ("agent", "Battery may be fully drained; try holding the power button for 30 s.", False),
            ("agent", "Warranty until 2027, replacement board can be ordered.", True),
        ),
    ),
    _Story(
        "Cannot log in to VPN from home",
        "Network",
        "High",
        "<p>GlobalProtect says <b>authentication failed</b> although my password works on the portal.</p>",
        Status.RESOLVED,
        (
            ("agent", "Your VPN certificate had expired. I issued a new one; please reconnect.", False),
            ("requester", "Works again, thank you!", False),
        ),
    ),
    _Story(
        "Outlook keeps asking for my password",
        "Email Problem",
        "Medium",
        "<p>Every few minutes a password prompt pops up in Outlook.</p>",
        Status.OPEN,
    ),
    _Story(
        "Printer on 3rd floor jams on every job",
        "Printer Not Working",
        "Medium",
        "<p>The HP LaserJet near the kitchen jams on the second page of every print job.</p>",
        Status.ON_HOLD,
        (
            ("agent", "Waiting for the vendor to deliver a new pickup roller.", False),
            ("agent", "Vendor ticket #88231, ETA Friday.", True),
        ),
    ),
    _Story(
        "Account locked after password change",
        "Login Issue",
        "Critical",
        "<p>I changed my password and now I am locked out of everything. Payroll run is today!</p>",
        Status.CLOSED,
        (
            ("agent", "Unlocked your account and cleared the cached credentials on your phone.", False),
            ("requester", "All good now.", False),
        ),
    ),
    _Story(
        "Excel crashes when opening large CSV",
        "Software",
        "Low",
        "<p>Excel 365 closes without a message when I open the 200 MB export from the ERP.</p>",
        Status.OPEN,
    ),
    _Story(
        "Wi-Fi drops in meeting room B",
        "Network",
        "Medium",
        "<p>Laptops lose the connection every 10 minutes in meeting room B.</p>",
        Status.IN_PROGRESS,
        (("agent", "Access point in room B logs many roaming errors, scheduling a firmware update.", True),),
    ),
    _Story(
        "Need Adobe Acrobat Pro licence",
        "Software",
        "Low",
        "<p>I need to edit PDFs for the new contracts. Could I get an Acrobat Pro licence?</p>",
        Status.RESOLVED,
        (("agent", "Licence assigned, it appears in Creative Cloud after a restart.", False),),
    ),
    _Story(
        "Second monitor not detected",
        "Hardware",
        "Medium",
        "<p>The Dell docking station no longer shows my second screen.</p>",
        Status.OPEN,
    ),
    _Story(
        "Shared mailbox missing in Outlook",
        "Email Problem",
        "Medium",
        "<p>The <i>support@</i> shared mailbox disappeared from my folder list.</p>",
        Status.CLOSED,
        (("agent", "Your permission was re-added; it reappears within an hour.", False),),
    ),
    _Story(
        "Two-factor codes not accepted",
        "Login Issue",
        "High",
        "<p>The authenticator app codes are always rejected.</p>",
        Status.IN_PROGRESS,
        (
            ("agent", "Is the time on your phone set automatically?", False),
            ("requester", "It was set manually, I switched it to automatic. Still rejected.", False),
            ("agent", "Checked the MFA logs: device registered twice, removing the old one.", True),
        ),
    ),
    _Story(
        "Keyboard keys sticking",
        "Hardware",
        "Low",
        "<p>The E and R keys stick on my keyboard.</p>",
        Status.RESOLVED,
        (("agent", "A new keyboard is on your desk.", False),),
    ),
    _Story(
        "Website blocked by proxy",
        "Network",
        "Low",
        "<p>The supplier portal is blocked as <i>uncategorized</i>.</p>",
        Status.OPEN,
    ),
    _Story(
        "Scanner sends empty emails",
        "Printer Not Working",
        "Medium",
        "<p>Scan-to-email from the copier arrives without attachment.</p>",
        Status.IN_PROGRESS,
    ),
    _Story(
        "Teams camera shows black screen",
        "Software",
        "Medium",
        "<p>In Teams meetings my camera preview is black, the Camera app works fine.</p>",
        Status.ON_HOLD,
        (("agent", "Could you send a screenshot of Teams' device settings?", False),),
    ),
    _Story(
        "Request: new hire laptop for Sam",
        "Hardware",
        "Medium",
        "<p>Sam starts on Monday in Finance and needs a laptop with the Finance image.</p>",
        Status.CLOSED,
        (("agent", "Laptop imaged and handed over.", False),),
    ),
    _Story(
        "Calendar invites arrive twice",
        "Email Problem",
        "Low",
        "<p>Every meeting invite lands in my inbox twice.</p>",
        Status.OPEN,
    ),
    _Story(
        "Password reset link expired",
        "Login Issue",
        "Medium",
        "<p>The reset link in the email says expired immediately.</p>",
        Status.RESOLVED,
        (("agent", "Reset it by phone with you; please change it at next login.", False),),
    ),
    _Story(
        "Server room temperature alarm",
        "Hardware",
        "Critical",
        "<p>The monitoring sent a temperature alarm for rack 2 at 02:14.</p>",
        Status.IN_PROGRESS,
        (("agent", "Air conditioning unit 1 failed, portable unit installed.", True),),
    ),
    _Story(
        "ERP client update fails",
        "Software",
        "High",
        "<p>The ERP updater stops at 87% with error 0x80070005.</p>",
        Status.OPEN,
    ),
    _Story(
        "Slow file share in Berlin office",
        "Network",
        "Medium",
        "<p>Opening files on the S: drive takes over a minute in Berlin.</p>",
        Status.ON_HOLD,
    ),
    _Story(
        "Printer prints garbled characters",
        "Printer Not Working",
        "Low",
        "<p>Pages come out with random symbols instead of text.</p>",
        Status.CLOSED,
        (("agent", "Reinstalled the PCL6 driver.", False),),
    ),
    _Story(
        "Phone not syncing mail",
        "Email Problem",
        "Medium",
        "<p>Mail on my company iPhone stopped syncing yesterday.</p>",
        Status.IN_PROGRESS,
    ),
    _Story(
        "Need access to the marketing drive",
        "Software",
        "Low",
        "<p>Please give me read access to the Marketing share.</p>",
        Status.RESOLVED,
        (("agent", "Access granted; log off and on again.", False),),
    ),
    _Story(
        "Docking station overheats",
        "Hardware",
        "Medium",
        "<p>The dock gets very hot and the screens flicker.</p>",
        Status.OPEN,
    ),
    _Story(
        "Locked out after holiday",
        "Login Issue",
        "High",
        "<p>Back from holiday, my password expired and I cannot change it remotely.</p>",
        Status.CLOSED,
        (("agent", "Password reset over the phone.", False),),
    ),
    _Story(
        "Guest Wi-Fi voucher printer",
        "Network",
        "Low",
        "<p>Reception cannot print guest Wi-Fi vouchers any more.</p>",
        Status.OPEN,
    ),
    _Story(
        "Antivirus flags internal tool",
        "Software",
        "High",
        "<p>Defender quarantines <code>report-builder.exe</code> since today's update.</p>",
        Status.IN_PROGRESS,
        (("agent", "False positive confirmed with the vendor; adding an exclusion.", True),),
    ),
    _Story(
        "Toner empty on 2nd floor",
        "Printer Not Working",
        "Low",
        "<p>Black toner is empty on the 2nd floor printer.</p>",
        Status.RESOLVED,
        (("agent", "Replaced the toner.", False),),
    ),
    _Story(
        "Mailbox full warning",
        "Email Problem",
        "Medium",
        "<p>Outlook says my mailbox is almost full.</p>",
        Status.ON_HOLD,
        (("agent", "Archive policy will run tonight; check tomorrow.", False),),
    ),
    _Story(
        "Badge reader rejects my card",
        "Hardware",
        "Medium",
        "<p>The door badge reader at entrance B rejects my card.</p>",
        Status.OPEN,
    ),
    _Story(
        "Cannot install Python on my laptop",
        "Software",
        "Low",
        "<p>The software center shows Python 3.12 as failed.</p>",
        Status.IN_PROGRESS,
    ),
)


def _principal(user: User) -> Principal:
    return Principal(user, AgentVisibility.ALL)


class _StoryClock:
    """Tells a ticket's story over hours and days of the past: each step a while after the
    last, as a desk would live it, so first-response and resolution times look like a desk's.
    Never later than a few minutes ago."""

    def __init__(self, held: clock.FrozenClock, rng: random.Random, latest: dt.datetime) -> None:
        self._held, self._rng, self._latest = held, rng, latest

    def wait(self, low_hours: float, high_hours: float) -> None:
        later = self._held.at + dt.timedelta(hours=self._rng.uniform(low_hours, high_hours))
        self._held.set(min(later, self._latest))
        self._latest += dt.timedelta(seconds=1)  # a step still comes after the one before


def seed_demo(session: Session) -> bool:
    """Add the demo data unless the demo admin already exists; True when data was added."""
    if session.scalar(select(User.id).where(User.email == DEMO_ACCOUNTS[0][0])):
        return False
    catalog.ensure_defaults(session)
    people = {
        email: accounts.create_user(session, UserCreate(email=email, name=name, role=Role(role), password=pw))
        for name, email, pw, role in DEMO_PEOPLE
    }
    agents = [people["agent@example.com"], people["tech@example.com"]]
    requesters = [people["user@example.com"], people["priya@example.com"], people["marco@example.com"]]
    categories = {c.name: c.id for c in session.scalars(select(Category))}
    _seed_service_levels(session)
    rng = random.Random(1001)
    now = dt.datetime.now(dt.UTC)
    for index, story in enumerate(_STORIES):
        requester = requesters[index % len(requesters)] if index % 4 else requesters[0]
        agent = agents[index % len(agents)]
        started = now - dt.timedelta(days=rng.uniform(0.5, 40), minutes=index)
        with clock.frozen(started) as held:
            story_clock = _StoryClock(held, rng, now - dt.timedelta(minutes=5))
            _tell(
                session,
                story,
                requester=requester,
                agent=agent,
                categories=categories,
                story_clock=story_clock,
            )
    _seed_articles(session, agents[0], categories)
    return True


def _seed_service_levels(session: Session) -> None:
    """Office hours in Berlin and two policies: urgent tickets around the clock, the rest in
    working time (added before the stories, so their tickets are measured from the start)."""
    office = calendars.create_calendar(
        session,
        CalendarCreate(
            name="Office hours (Berlin)",
            timezone="Europe/Berlin",
            hours=WeekHours(**{day: [["08:00", "12:00"], ["13:00", "18:00"]] for day in WEEKDAYS[:5]}),
            holidays=[
                dt.date(2026, 12, 24),
                dt.date(2026, 12, 25),
                dt.date(2026, 12, 26),
                dt.date(2027, 1, 1),
            ],
        ),
    )
    policies.create_policy(
        session,
        PolicyCreate(
            name="Urgent",
            position=0,
            priorities=[Priority.CRITICAL.value, Priority.HIGH.value],
            first_response_minutes=60,
            next_response_minutes=120,
            resolution_minutes=8 * 60,
        ),
    )
    policies.create_policy(
        session,
        PolicyCreate(
            name="Standard",
            position=1,
            calendar_id=office.id,
            first_response_minutes=8 * 60,
            next_response_minutes=16 * 60,
            resolution_minutes=15 * 9 * 60,
        ),
    )


def _tell(
    session: Session,
    story: _Story,
    *,
    requester: User,
    agent: User,
    categories: dict[str, uuid.UUID],
    story_clock: _StoryClock,
) -> None:
    """One ticket's life through the write layer, each step at its own (past) time."""
    ticket = tickets.create_ticket(
        session,
        _principal(requester),
        TicketCreate(
            title=story.title,
            description=story.description,
            category_id=categories[story.category],
            priority=story.priority,
        ),
    )
    key = str(ticket.id)
    if story.status != Status.OPEN:
        story_clock.wait(0.1, 4)
        tickets.update_ticket(session, _principal(agent), key, TicketPatch(assignee_id=agent.id))
    for who, text, internal in story.replies:
        story_clock.wait(0.2, 20)
        author = requester if who == "requester" else agent
        tickets.add_comment(
            session, _principal(author), key, CommentCreate(content=text, is_internal=internal)
        )
    if story.status in (Status.ON_HOLD, Status.RESOLVED, Status.CLOSED):
        story_clock.wait(0.5, 30)
        target = Status.RESOLVED if story.status == Status.CLOSED else story.status
        tickets.update_ticket(session, _principal(agent), key, TicketPatch(status=target))
    if story.status == Status.CLOSED:
        story_clock.wait(2, 48)
        tickets.update_ticket(session, _principal(requester), key, TicketPatch(status=Status.CLOSED))


#: The demo's published articles: title, category, tags, body.
PUBLISHED_ARTICLES: tuple[tuple[str, str, list[str], str], ...] = (
    (
        "How to reset your password",
        "Login Issue",
        ["password", "account"],
        "<p>Open <b>Settings → Account</b>, choose <i>Change password</i> and follow the steps."
        " The new password works everywhere within five minutes.</p>",
    ),
    (
        "Clearing a paper jam",
        "Printer Not Working",
        ["printer", "jam"],
        "<p>Open the front cover and the tray the display names. Pull the sheet out <b>in the"
        " direction the paper travels</b>, never backwards, then close the covers: the job goes"
        " on by itself.</p><p>Jams on every job usually mean a worn roller: reply to your ticket"
        " and we send someone.</p>",
    ),
    (
        "Connecting to the VPN from home",
        "Network",
        ["vpn", "remote"],
        "<p>Start <b>GlobalProtect</b>, sign in with your usual account and approve the prompt on"
        " your phone. If it says <i>authentication failed</i>, your VPN certificate may have"
        " expired: open <b>Settings → Certificates</b> and choose <i>Renew</i>.</p>",
    ),
    (
        "Stopping repeated password prompts in Outlook",
        "Email Problem",
        ["outlook", "password", "email"],
        "<p>Close Outlook, open <b>Credential Manager</b>, remove the entries that start with"
        " <i>MicrosoftOffice</i>, and start Outlook again: it asks once and then remembers.</p>",
    ),
)


def _seed_articles(session: Session, agent: User, categories: dict[str, uuid.UUID]) -> None:
    """A knowledge base in use: drafts from the first solved tickets (still drafts: they quote
    their requesters' words, which an agent rewrites before publishing) and published articles
    written from scratch."""
    staff = _principal(agent)
    solved = session.scalars(
        select(Ticket.id)
        .where(Ticket.status.in_([Status.RESOLVED.value, Status.CLOSED.value]))
        .order_by(Ticket.number)
        .limit(2)
    ).all()
    for ticket_id in solved:
        articles.article_from_ticket(session, staff, str(ticket_id))
    for title, category, tags, body in PUBLISHED_ARTICLES:
        data = ArticleCreate(
            title=title,
            body=body,
            category_id=categories.get(category),
            tags=tags,
            status=ArticleStatus.PUBLISHED,
        )
        articles.create_article(session, staff, data)
