//! How far a plan is and whether it keeps to its dates, computed from its
//! tasks, today's date in the workspace and the plan's last activity.

use chrono::{DateTime, NaiveDate, Utc};
use shared::onboarding::{PlanStatus, TaskStatus, STUCK_AFTER_DAYS};

/// What the computation needs of a task.
#[derive(Debug, Clone, Copy)]
pub struct TaskState {
    pub status: TaskStatus,
    pub due_on: NaiveDate,
}

impl TaskState {
    pub fn overdue(&self, today: NaiveDate) -> bool {
        !self.status.is_finished() && self.due_on < today
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    pub progress: i32,
    pub status: PlanStatus,
    pub overdue: i32,
}

/// Progress: done tasks as a share of the tasks not skipped (all skipped or
/// none: 100), rounded down so 100 means finished. Status: `on_track` while
/// no open task is past due; `behind` when one is; `stuck` when one is and
/// nothing has happened on the plan for `STUCK_AFTER_DAYS` days.
pub fn summarize(
    tasks: &[TaskState],
    today: NaiveDate,
    last_activity_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Summary {
    let counted = tasks
        .iter()
        .filter(|t| t.status != TaskStatus::Skipped)
        .count();
    let done = tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Done)
        .count();
    let progress = (done * 100)
        .checked_div(counted)
        .map_or(100, |p| i32::try_from(p).unwrap_or(100));
    let overdue = tasks.iter().filter(|t| t.overdue(today)).count();
    let idle_days = (now - last_activity_at).num_days();
    let status = if overdue == 0 {
        PlanStatus::OnTrack
    } else if idle_days >= STUCK_AFTER_DAYS {
        PlanStatus::Stuck
    } else {
        PlanStatus::Behind
    };
    Summary {
        progress,
        status,
        overdue: i32::try_from(overdue).unwrap_or(i32::MAX),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2027, 3, day).unwrap()
    }

    fn t(status: TaskStatus, day: u32) -> TaskState {
        TaskState {
            status,
            due_on: d(day),
        }
    }

    #[test]
    fn progress_ignores_skipped_tasks_and_rounds_down() {
        let now = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
        let tasks = [
            t(TaskStatus::Done, 5),
            t(TaskStatus::Skipped, 5),
            t(TaskStatus::Todo, 5),
            t(TaskStatus::InProgress, 5),
        ];
        let s = summarize(&tasks, d(1), now, now);
        assert_eq!(s.progress, 33);
        assert_eq!(s.status, PlanStatus::OnTrack);
        assert_eq!(summarize(&[], d(1), now, now).progress, 100);
        let all_skipped = [t(TaskStatus::Skipped, 1)];
        assert_eq!(summarize(&all_skipped, d(1), now, now).progress, 100);
    }

    #[test]
    fn behind_when_an_open_task_is_past_due_and_stuck_when_idle_too() {
        let now = Utc.with_ymd_and_hms(2027, 3, 20, 0, 0, 0).unwrap();
        let tasks = [t(TaskStatus::Done, 2), t(TaskStatus::Todo, 10)];
        let recent = now - Duration::days(3);
        let s = summarize(&tasks, d(20), recent, now);
        assert_eq!((s.status, s.overdue), (PlanStatus::Behind, 1));
        let idle = now - Duration::days(STUCK_AFTER_DAYS);
        assert_eq!(
            summarize(&tasks, d(20), idle, now).status,
            PlanStatus::Stuck
        );
        // Due today is not late yet; finished tasks are never late.
        let tasks = [t(TaskStatus::Todo, 20), t(TaskStatus::Skipped, 1)];
        assert_eq!(
            summarize(&tasks, d(20), idle, now).status,
            PlanStatus::OnTrack
        );
    }
}
