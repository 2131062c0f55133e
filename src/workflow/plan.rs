//! Plan, then commit. Whatever moves an item or emails an ISV is planned first, item by
//! item and pinned to its id and row version: the move it makes (or what stops it: a rule,
//! a gate with its blockers, a colleague's change since the analyst looked), who holds it,
//! and the email it sends (or why none). The plan is shown; `commit` then makes exactly
//! that plan in one transaction, and an item changed since it was planned is refused as
//! "changed by NAME at TIME since you looked", never replaced by another. The gate is
//! evaluated here, and only here.

use super::{Result, Workflow, WorkflowError};
use crate::domain::notice::EmailKind;
use crate::domain::{
    Blocker, EventKind, MoveAsk, MoveItem, ReviewState, StateChange, Submission, check_move,
    is_gated, open_blockers,
};
use crate::mail::Composed;
use crate::store::{MoveOutcome, MoveRefused, MoveRequest, ReminderGuard, ReminderRefused};
use jiff::Timestamp;

/// What a plan is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    /// A batch move, with its emails when `ask.email`.
    Move(MoveAsk),
    /// The issue list of each item's current state, emailed without a move.
    IssueLists,
    /// Reminders to ISVs who hold an item too long (`remind`).
    Reminders,
    /// Corrections to ISVs told of a move that was undone since (`mail correct`).
    Corrections,
}

impl Planned {
    /// The same kind of plan (a move to the same state, issue lists, reminders).
    pub fn same_kind(&self, other: &Planned) -> bool {
        match (self, other) {
            (Planned::Move(a), Planned::Move(b)) => a.to == b.to,
            (a, b) => a == b,
        }
    }
}

/// One item of a plan.
#[derive(Debug, Clone)]
pub struct PlanItem {
    /// Its id, pinned at the row version the plan read (or the one the analyst saw).
    pub item: MoveItem,
    /// Its state when planned (None: not in the queue).
    pub from: Option<ReviewState>,
    /// What the commit will do to it, or what stops it.
    pub result: std::result::Result<Going, MoveRefused>,
    /// The email it will be sent (of an item that goes).
    pub email: Option<Composed>,
    /// The analyst who holds it, when not the one planning.
    pub claimed_by: Option<String>,
    /// A reminder is queued only if nobody reminded or moved it since (`remind`).
    pub guard: Option<ReminderGuard>,
}

/// An item the plan moves (or emails).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Going {
    /// Outside the transition table or past a gate (`force` with a reason).
    pub forced: bool,
    /// The gate's open blockers this move overrides (recorded in its event).
    pub overrides: Vec<Blocker>,
}

/// A plan, as shown to the analyst and then committed.
#[derive(Debug, Clone)]
pub struct Plan {
    pub what: Planned,
    pub items: Vec<PlanItem>,
    /// The email kind the plan sends (None: none).
    pub kind: Option<EmailKind>,
    pub at: Timestamp,
}

/// What a commit did: every planned item's outcome in plan order (the stopped ones as the
/// plan said), and the emails queued.
#[derive(Debug, Clone, Default)]
pub struct Committed {
    pub outcomes: Vec<MoveOutcome>,
    /// (submission, outbox id) of each email queued.
    pub queued: Vec<(String, i64)>,
    /// Reminders: each one's outbox id, or why it was refused at the commit.
    pub reminded: Vec<(String, std::result::Result<i64, ReminderRefused>)>,
}

/// One target of the move picker: how many of the pinned items a plan moves there, and what
/// stops the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MoveChoice {
    pub to: ReviewState,
    /// Items the transition table lets make this move (gate-stopped ones included).
    pub applies: usize,
    pub total: usize,
    /// Items a gate stops, with their number of open blockers.
    pub stopped: Vec<(String, usize)>,
    /// The email this move sends, when the config sends one.
    pub email: Option<EmailKind>,
}

/// The move picker's plan: its targets, and the pinned items a colleague changed since the
/// analyst looked (each "changed by NAME at TIME since you looked (now STATE)").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Choices {
    pub targets: Vec<MoveChoice>,
    pub changed: Vec<(String, String)>,
}

impl Plan {
    pub fn ask(&self) -> Option<&MoveAsk> {
        match &self.what {
            Planned::Move(ask) => Some(ask),
            _ => None,
        }
    }

    pub fn move_to(&self) -> Option<ReviewState> {
        self.ask().map(|a| a.to)
    }

    pub fn is_reminders(&self) -> bool {
        self.what == Planned::Reminders
    }

    /// Whether the plan emails (a move with `email`, issue lists, reminders).
    pub fn sends_email(&self) -> bool {
        self.ask().is_none_or(|a| a.email)
    }

    /// The items that go.
    pub fn going(&self) -> impl Iterator<Item = &PlanItem> {
        self.items.iter().filter(|i| i.result.is_ok())
    }

    /// The items left out, with why.
    pub fn stopped(&self) -> impl Iterator<Item = (&PlanItem, &MoveRefused)> {
        self.items.iter().filter_map(|i| match &i.result {
            Err(why) => Some((i, why)),
            Ok(_) => None,
        })
    }

    /// The emails the commit queues, in plan order.
    pub fn emails(&self) -> impl Iterator<Item = &Composed> {
        self.going().filter_map(|i| i.email.as_ref())
    }

    /// Items a gate stops, with their blockers.
    pub fn gated(&self) -> Vec<(&str, &[Blocker])> {
        self.stopped()
            .filter_map(|(i, why)| match why {
                MoveRefused::Blocked(b) => Some((i.item.id.as_str(), b.as_slice())),
                _ => None,
            })
            .collect()
    }

    /// Items whose gate the plan overrides, with the blockers.
    pub fn overrides(&self) -> Vec<(&str, &[Blocker])> {
        self.going()
            .filter_map(|i| match &i.result {
                Ok(g) if !g.overrides.is_empty() => {
                    Some((i.item.id.as_str(), g.overrides.as_slice()))
                }
                _ => None,
            })
            .collect()
    }

    /// The items that go and that other analysts hold: (analyst, their ids).
    pub fn claimed(&self) -> Vec<(String, Vec<String>)> {
        let mut by: std::collections::BTreeMap<String, Vec<String>> = Default::default();
        for i in self.going() {
            if let Some(a) = &i.claimed_by {
                by.entry(a.clone()).or_default().push(i.item.id.clone());
            }
        }
        by.into_iter().collect()
    }

    /// Every item, pinned as planned (what a re-plan after a reload is for).
    pub fn pinned(&self) -> Vec<MoveItem> {
        self.items.iter().map(|i| i.item.clone()).collect()
    }

    /// The same ask again, for the items as pinned (a reload while it is shown; `force`
    /// switched for an override).
    pub fn ask_again(&self, force: bool) -> Option<MoveAsk> {
        self.ask().map(|a| MoveAsk {
            items: self.pinned(),
            force,
            ..a.clone()
        })
    }
}

impl Workflow {
    /// The open blockers that stop `sub` passing a gate at `now`: the one place the gate is
    /// evaluated.
    pub fn gate_blockers(&self, sub: &Submission, now: Timestamp) -> Result<Vec<Blocker>> {
        Ok(open_blockers(&self.review(sub, now)?.issues))
    }

    /// Plans a move (with its emails when `ask.email`) for `analyst` at `now`.
    pub fn plan(&self, ask: &MoveAsk, analyst: &str, now: Timestamp) -> Result<Plan> {
        let reason = ask.checked_reason().map_err(WorkflowError::Refused)?;
        let kind = match ask.email {
            true => Some(self.email_for_move(ask.to).map_err(|none| {
                WorkflowError::Refused(format!(
                    "no email goes with a move to {}: {none}; move without --email",
                    ask.to
                ))
            })?),
            false => None,
        };
        let ids: Vec<&str> = ask.items.iter().map(|i| i.id.as_str()).collect();
        let rows = self.store.move_rows(&ids)?;
        let mut items = Vec::with_capacity(ask.items.len());
        for (item, row) in ask.items.iter().zip(rows) {
            let Some(row) = row else {
                items.push(stop(item.clone(), None, MoveRefused::UnknownId));
                continue;
            };
            let pinned = MoveItem {
                id: item.id.clone(),
                expected_version: Some(item.expected_version.unwrap_or(row.version)),
            };
            let claimed_by = row.assignee.filter(|a| a != analyst);
            let mut planned = PlanItem {
                item: pinned,
                from: Some(row.state),
                result: Ok(Going::default()),
                email: None,
                claimed_by,
                guard: None,
            };
            if item.expected_version.is_some_and(|v| v != row.version) {
                let (by, at) = self.store.last_change_of(&item.id)?;
                planned.result = Err(MoveRefused::Conflict {
                    by,
                    at,
                    state: row.state,
                });
                items.push(planned);
                continue;
            }
            let forced = match check_move(row.state, ask.to, ask.force, reason) {
                Ok(f) => f,
                Err(rule) => {
                    planned.result = Err(MoveRefused::Rule(rule));
                    items.push(planned);
                    continue;
                }
            };
            let mut going = Going {
                forced,
                overrides: Vec::new(),
            };
            let mut sub = None;
            if is_gated(row.state, ask.to) {
                let s = self.submission(&item.id)?;
                let blockers = self.gate_blockers(&s, now)?;
                sub = Some(s);
                if !blockers.is_empty() && !ask.force {
                    planned.result = Err(MoveRefused::Blocked(blockers));
                    items.push(planned);
                    continue;
                }
                going.forced |= !blockers.is_empty();
                going.overrides = blockers;
            }
            if let Some(kind) = kind {
                let s = match sub {
                    Some(s) => s,
                    None => self.submission(&item.id)?,
                };
                let after = s.after(StateChange {
                    from: Some(s.state),
                    to: ask.to,
                    at: now,
                    by: String::new(),
                    reason: None,
                    forced: going.forced,
                    kind: EventKind::Move,
                    restart_clock: ask.restart_clock,
                    overrode: Vec::new(),
                });
                match self.compose_for(&after, kind, now) {
                    Ok(c) => planned.email = Some(c),
                    Err(why) => {
                        planned.result = Err(MoveRefused::NoEmail(why));
                        items.push(planned);
                        continue;
                    }
                }
            }
            planned.result = Ok(going);
            items.push(planned);
        }
        // One all-or-nothing rule, decided here: one stop stops every item.
        let refused = items.iter().filter(|i| i.result.is_err()).count();
        if ask.all_or_nothing && refused > 0 {
            for i in &mut items {
                if i.result.is_ok() {
                    i.result = Err(MoveRefused::NotApplied(refused));
                    i.email = None;
                }
            }
        }
        Ok(Plan {
            what: Planned::Move(ask.clone()),
            items,
            kind,
            at: now,
        })
    }

    /// Plans the issue-list email of each item's current state, without a move.
    pub fn plan_issue_lists(&self, items: &[MoveItem], analyst: &str, now: Timestamp) -> Plan {
        let planned = items
            .iter()
            .map(|item| {
                let sub = match self.to_email(&item.id) {
                    Ok(s) => s,
                    Err(why) => return stop(item.clone(), None, MoveRefused::NoEmail(why)),
                };
                let pinned = MoveItem {
                    id: sub.id.clone(),
                    expected_version: Some(item.expected_version.unwrap_or(sub.version)),
                };
                let mut planned = PlanItem {
                    item: pinned,
                    from: Some(sub.state),
                    result: Ok(Going::default()),
                    email: None,
                    claimed_by: sub.assignee.clone().filter(|a| a != analyst),
                    guard: None,
                };
                if item.expected_version.is_some_and(|v| v != sub.version) {
                    planned.result = Err(MoveRefused::NoEmail(super::emails::changed_since(&sub)));
                    return planned;
                }
                match self.compose_for(&sub, EmailKind::Issues, now) {
                    Ok(c) => planned.email = Some(c),
                    Err(why) => planned.result = Err(MoveRefused::NoEmail(why)),
                }
                planned
            })
            .collect();
        Plan {
            what: Planned::IssueLists,
            items: planned,
            kind: Some(EmailKind::Issues),
            at: now,
        }
    }

    /// Plans a correction for each item whose ISV was emailed about a move that has been
    /// undone since: it says the earlier email was a mistake and where the item is now.
    pub fn plan_corrections(&self, items: &[MoveItem], analyst: &str, now: Timestamp) -> Plan {
        let enabled = self.mail.config.emails.enabled(EmailKind::Correction);
        let planned = items
            .iter()
            .map(|item| {
                let sub = match self.to_email(&item.id) {
                    Ok(s) => s,
                    Err(why) => return stop(item.clone(), None, MoveRefused::NoEmail(why)),
                };
                let mut planned = PlanItem {
                    item: MoveItem {
                        id: sub.id.clone(),
                        expected_version: Some(item.expected_version.unwrap_or(sub.version)),
                    },
                    from: Some(sub.state),
                    result: Ok(Going::default()),
                    email: None,
                    claimed_by: sub.assignee.clone().filter(|a| a != analyst),
                    guard: None,
                };
                let why = if !enabled {
                    Some("correction emails are switched off in the config ([mail.emails] correction = false)".to_string())
                } else {
                    match self.store.uncorrected_email(&sub.id) {
                        Ok(Some(_)) => None,
                        Ok(None) => Some(
                            "nothing to correct: no email was sent about a move that has since been undone (or a correction followed it)"
                                .to_string(),
                        ),
                        Err(e) => Some(e.to_string()),
                    }
                };
                if let Some(why) = why {
                    planned.result = Err(MoveRefused::NoEmail(why));
                    return planned;
                }
                match self.compose_for(&sub, EmailKind::Correction, now) {
                    Ok(c) => planned.email = Some(c),
                    Err(why) => planned.result = Err(MoveRefused::NoEmail(why)),
                }
                planned
            })
            .collect();
        Plan {
            what: Planned::Corrections,
            items: planned,
            kind: Some(EmailKind::Correction),
            at: now,
        }
    }

    /// The move picker's targets for `items` (pinned): each target some item can move to,
    /// from a plan of that move.
    pub fn plan_choices(
        &self,
        items: &[MoveItem],
        analyst: &str,
        now: Timestamp,
    ) -> Result<Choices> {
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        let rows = self.store.move_rows(&ids)?;
        let mut out = Choices::default();
        for (item, row) in items.iter().zip(&rows) {
            match row {
                None => out
                    .changed
                    .push((item.id.clone(), "no longer in the queue".to_string())),
                Some(r) if item.expected_version.is_some_and(|v| v != r.version) => {
                    let (by, at) = self.store.last_change_of(&item.id)?;
                    let why = MoveRefused::Conflict {
                        by,
                        at,
                        state: r.state,
                    };
                    out.changed.push((item.id.clone(), why.to_string()));
                }
                Some(_) => {}
            }
        }
        for to in ReviewState::ALL {
            let can = rows.iter().zip(items).any(|(r, i)| {
                r.as_ref().is_some_and(|r| {
                    i.expected_version.is_none_or(|v| v == r.version) && r.state.can_move_to(to)
                })
            });
            if !can {
                continue;
            }
            let plan = self.plan(&MoveAsk::new(items.to_vec(), to), analyst, now)?;
            let stopped: Vec<(String, usize)> = plan
                .gated()
                .into_iter()
                .map(|(id, b)| (id.to_string(), b.len()))
                .collect();
            out.targets.push(MoveChoice {
                to,
                applies: plan.going().count() + stopped.len(),
                total: items.len(),
                stopped,
                email: self.email_for_move(to).ok(),
            });
        }
        Ok(out)
    }

    /// Commits `plan` exactly: in one transaction, the items that go move (each at the
    /// version planned; one changed since is refused, never replaced) and their emails are
    /// queued, held for `[mail] hold`.
    pub fn commit(&mut self, plan: &Plan, analyst: &str, at: Timestamp) -> Result<Committed> {
        // A read-only queue refuses every commit, whatever the plan holds.
        self.store.check_writable(match plan.what {
            Planned::Move(_) => "move submissions",
            _ => "queue an email",
        })?;
        let going: Vec<&PlanItem> = plan.going().collect();
        let mut done = Committed::default();
        if plan.is_reminders() {
            let batch: Vec<_> = going
                .iter()
                .filter_map(|i| Some((self.held(i.email.as_ref()?.to_new_email(), at), i.guard?)))
                .collect();
            if !batch.is_empty() {
                done.reminded = self.store.queue_reminders(&batch, analyst, at)?;
            }
            return Ok(done);
        }
        let emails: Vec<crate::store::NewEmail> = going
            .iter()
            .filter_map(|i| i.email.as_ref())
            .map(|c| self.held(c.to_new_email(), at))
            .collect();
        let (outcomes, queued) = if going.is_empty() {
            (Vec::new(), Vec::new())
        } else if let Some(ask) = plan.ask() {
            let given = ask.checked_reason().map_err(WorkflowError::Refused)?;
            // The audit log says whether the ISV was told.
            let reason = match (ask.email, self.email_for_move(ask.to)) {
                (true, Ok(kind)) => Some(given.map_or_else(
                    || format!("with the {} email", kind.short()),
                    str::to_string,
                )),
                (false, Ok(_)) => {
                    Some(given.map_or("[no email]".to_string(), |r| format!("{r} [no email]")))
                }
                (_, Err(_)) => given.map(str::to_string),
            };
            let req = MoveRequest {
                ask: MoveAsk {
                    items: going.iter().map(|i| i.item.clone()).collect(),
                    reason,
                    ..ask.clone()
                },
                analyst,
                at,
                overrides: going
                    .iter()
                    .filter_map(|i| match &i.result {
                        Ok(g) if !g.overrides.is_empty() => Some((
                            i.item.id.clone(),
                            g.overrides.iter().map(|b| b.key.clone()).collect(),
                        )),
                        _ => None,
                    })
                    .collect(),
            };
            if ask.email {
                self.store
                    .queue_emails(&emails, Some(&req), &[], analyst, at)?
            } else {
                (self.store.move_submissions(&req)?, Vec::new())
            }
        } else {
            // Issue lists and corrections: each queued only if its item is still at the
            // version planned.
            let pinned: Vec<MoveItem> = going.iter().map(|i| i.item.clone()).collect();
            self.store
                .queue_emails(&emails, None, &pinned, analyst, at)?
        };
        let mut by_id: std::collections::HashMap<String, MoveOutcome> =
            outcomes.into_iter().map(|o| (o.id.clone(), o)).collect();
        let queued: std::collections::HashMap<String, i64> = queued.into_iter().collect();
        for item in &plan.items {
            let id = &item.item.id;
            match (&item.result, by_id.remove(id)) {
                (Err(why), _) => done.outcomes.push(MoveOutcome {
                    id: id.clone(),
                    result: Err(why.clone()),
                }),
                (Ok(_), Some(o)) => done.outcomes.push(o),
                (Ok(_), None) => {}
            }
            if let Some(&email) = queued.get(id) {
                done.queued.push((id.clone(), email));
            }
        }
        log_committed(&done, analyst);
        Ok(done)
    }
}

/// The log's record of a commit (README, "Logs"): each item moved or refused, with who and
/// why, and each email queued; whatever front end asked.
fn log_committed(done: &Committed, analyst: &str) {
    for o in &done.outcomes {
        match &o.result {
            Ok(m) => tracing::info!(
                analyst,
                id = %o.id,
                from = m.from.key(),
                to = m.to.key(),
                forced = m.forced,
                "moved"
            ),
            Err(why) => tracing::warn!(analyst, id = %o.id, why = %why, "move refused"),
        }
    }
    for (id, email) in &done.queued {
        tracing::info!(analyst, id = %id, email, "email queued");
    }
    for (id, r) in &done.reminded {
        match r {
            Ok(email) => tracing::info!(analyst, id = %id, email, "reminder queued"),
            Err(why) => tracing::warn!(analyst, id = %id, why = %why, "reminder refused"),
        }
    }
}

fn stop(item: MoveItem, from: Option<ReviewState>, why: MoveRefused) -> PlanItem {
    PlanItem {
        item,
        from,
        result: Err(why),
        email: None,
        claimed_by: None,
        guard: None,
    }
}
