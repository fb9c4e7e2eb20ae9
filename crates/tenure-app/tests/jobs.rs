//! Durable jobs through the app: the model refit as a recurring job (refits when the data
//! changed, not otherwise), failures retried and logged, an unknown kind said clearly.

#![allow(clippy::unwrap_used)] // Tests: a failed unwrap is a failed test, with its message.

use std::sync::Arc;

use chrono::{Duration, Utc};
use tenure_app::AppError;
use tenure_app::import::{ImportRequest, NoProgress, import_files};
use tenure_app::jobs::{self, Handlers, Ran};
use tenure_app::reports::ReportScope;
use tenure_import::{Format, ImportOptions};
use tenure_store::{NewJob, Recurrence, ScoreOrder, ScoreQuery, Store};

fn store_with_cdnow_sample(dir: &tempfile::TempDir) -> Box<dyn Store> {
    let url = format!("sqlite:{}", dir.path().join("tenure.db").display());
    let mut store = tenure_store::open(&url, Utc::now()).unwrap();
    let file = dir.path().join("sample.txt");
    let mut text = String::new();
    for customer in 1..=60 {
        for (n, day) in [3, 40, 90].iter().enumerate().take(1 + customer % 3) {
            text.push_str(&format!(
                " {customer:05} 19970{}{:02}  1   {}.00\n",
                1 + n,
                day % 28 + 1,
                10 + customer % 7
            ));
        }
    }
    std::fs::write(&file, text).unwrap();
    let request = ImportRequest {
        format: Format::Cdnow,
        paths: vec![file],
        source: None,
        skip_invalid: false,
        options: ImportOptions::default(),
        time_zone: None,
    };
    import_files(store.as_mut(), &request, Utc::now(), &NoProgress).unwrap();
    store
}

fn due_now(kind: &str, recurrence: Recurrence) -> NewJob {
    NewJob {
        kind: kind.into(),
        key: kind.into(),
        payload: "{}".into(),
        run_at: Utc::now() - Duration::seconds(1),
        recurrence,
    }
}

fn scores(store: &mut dyn Store) -> usize {
    let query = ScoreQuery { currency: "USD".into(), order: ScoreOrder::Customer, limit: None };
    store.scores(&query).unwrap().len()
}

#[test]
fn the_model_refit_job_fits_when_the_data_changed_and_not_again_until_it_does() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_cdnow_sample(&dir);
    assert_eq!(scores(store.as_mut()), 0);
    let id = store.schedule_job(&due_now(jobs::MODEL_REFIT, Recurrence::Every(600)), Utc::now()).unwrap();
    let handlers = Handlers::default().with(jobs::MODEL_REFIT, jobs::model_refit(ReportScope::default()));
    assert_eq!(jobs::run_due(store.as_mut(), &handlers, "runner").unwrap(), 1);
    assert_eq!(scores(store.as_mut()), 60);
    assert_eq!(jobs::run_due(store.as_mut(), &handlers, "runner").unwrap(), 0, "next run in ten minutes");
    let job = store.jobs().unwrap().into_iter().find(|j| j.id == id).unwrap();
    assert_eq!(job.state, "scheduled");
    assert!(job.run_at > Utc::now() + Duration::minutes(9));
    assert_eq!(job.memo, Some(store.revision().unwrap().to_string()), "the revision after the fit");

    // Run by hand with that memo: nothing changed, nothing refitted.
    let refit = jobs::model_refit(ReportScope::default());
    let ran = refit(store.as_mut(), &job, Utc::now()).unwrap();
    assert_eq!(ran.detail, "no change since the last fit");
    let runs = store.job_runs(Some(id), 10).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(
        (runs[0].outcome.as_str(), runs[0].detail.as_deref()),
        ("done", Some("refitted: 60 customers scored"))
    );
}

#[test]
fn a_failing_job_is_retried_later_with_its_error_logged_and_an_unknown_kind_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = store_with_cdnow_sample(&dir);
    let failing: Arc<jobs::Handler> =
        Arc::new(|_: &mut dyn Store, _: &tenure_store::Job, _| -> Result<Ran, AppError> {
            Err(AppError::Invalid("the shop's API is down".into()))
        });
    let handlers = Handlers::default().with("shop.sync", failing);
    store.schedule_job(&due_now("shop.sync", Recurrence::Once), Utc::now()).unwrap();
    store.schedule_job(&due_now("survey.send", Recurrence::Once), Utc::now()).unwrap();
    assert_eq!(jobs::run_due(store.as_mut(), &handlers, "runner").unwrap(), 2);
    let listed = store.jobs().unwrap();
    for job in &listed {
        assert_eq!((job.state.as_str(), job.attempts), ("scheduled", 1), "{}", job.kind);
        assert!(job.run_at > Utc::now(), "retried later, not at once");
    }
    let sync = listed.iter().find(|j| j.kind == "shop.sync").unwrap();
    assert_eq!(sync.last_error.as_deref(), Some("the shop's API is down"));
    let unknown = listed.iter().find(|j| j.kind == "survey.send").unwrap();
    assert_eq!(
        unknown.last_error.as_deref(),
        Some("no handler for jobs of kind `survey.send` in this version")
    );
    let runs = store.job_runs(None, 10).unwrap();
    assert!(runs.iter().all(|r| r.outcome == "failed"));
    // Scheduling the same key again changes nothing.
    let again = store.schedule_job(&due_now("shop.sync", Recurrence::Once), Utc::now()).unwrap();
    assert_eq!(again, sync.id);
    assert_eq!(store.jobs().unwrap().len(), 2);
}
