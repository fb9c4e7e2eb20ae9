//! `GET /import` and `POST /import` (admins): upload shop exports. The import is the CLI's use
//! case — all or nothing, every bad line listed — followed, like `tenure import`, by a refit of
//! the model scores when orders changed.

use askama::Template;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use tenure_app::AppError;
use tenure_app::import::{ImportReport, ImportRequest, import_inputs};
use tenure_app::reports::ShopTimeZone;
use tenure_domain::SourceName;
use tenure_import::{Format, ImportOptions, Input};

use super::Layout;
use crate::format::count;
use crate::html::{PageError, render};
use crate::routes::ADMIN;
use crate::{AppState, session};

/// The largest upload the server takes (the request body of `POST /import`).
pub(crate) const IMPORT_LIMIT_BYTES: usize = 64 * 1024 * 1024;

/// The formats offered: every one but the generic CSV, which needs a column mapping (the CLI's
/// `--map`).
const FORMATS: [Format; 5] =
    [Format::Cdnow, Format::Etsy, Format::Shopify, Format::Opencart, Format::Woocommerce];

/// The import page: the form, and what the last upload did.
#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    layout: Layout,
    formats: Vec<&'static str>,
    limit_mib: usize,
    problem: Option<String>,
    outcome: Option<Outcome>,
}

/// What an upload did, as shown.
struct Outcome {
    committed: bool,
    source: String,
    rows_read: String,
    orders_added: String,
    /// The same, as a plain number for scripts and tests.
    orders_added_raw: u64,
    orders_unchanged: String,
    orders_updated: String,
    customers_added: String,
    customers_merged: String,
    abandoned: String,
    rejected: Vec<String>,
    /// Whether a refit of the models was started for this import.
    refitting: bool,
}

fn import_page(layout: Layout, problem: Option<String>, outcome: Option<Outcome>) -> ImportPage {
    ImportPage {
        layout,
        formats: FORMATS.iter().map(|f| f.as_str()).collect(),
        limit_mib: IMPORT_LIMIT_BYTES / (1024 * 1024),
        problem,
        outcome,
    }
}

/// `GET /import`: the upload form.
pub(crate) async fn import_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    uri: Uri,
) -> Result<Response, PageError> {
    let signed_in = session::require(&state, &headers, ADMIN, &uri).await?;
    Ok(render(&import_page(Layout::new(&signed_in, "Import", "/import"), None, None)))
}

/// The form as uploaded.
#[derive(Default)]
struct Upload {
    files: Vec<(String, Vec<u8>)>,
    format: String,
    source: String,
    time_zone: String,
    skip_invalid: bool,
}

/// `POST /import` (multipart): the session, role and form token first, then the upload is read
/// and imported on a blocking thread. 200 with the counts; 422 with every bad line when the file
/// was refused (nothing written); 400 when it cannot be read as the format at all.
pub(crate) async fn import(
    State(state): State<AppState>,
    headers: HeaderMap,
    extensions: axum::http::Extensions,
    form: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let (signed_in, mut form) = session::require_multipart(&state, &headers, ADMIN, form).await?;
    let layout = Layout::new(&signed_in, "Import", "/import");
    let prepared = match read_upload(&mut form).await.and_then(prepare) {
        Ok(prepared) => prepared,
        Err(error) => return refused(layout, error),
    };
    let (request, inputs) = prepared;
    let outcome =
        state.pool().run(move |store| import_inputs(store, &request, inputs, chrono::Utc::now())).await;
    match outcome {
        Ok(report) => {
            record_import(&state, crate::audit::user(&signed_in, &extensions), &report).await?;
            // The models are refitted in the background: the seller sees the counts at once.
            let refitting = report.committed && report.orders_added + report.orders_updated > 0;
            if refitting {
                state.request_refit();
            }
            let status = if report.committed { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
            let mut response = render(&import_page(layout, None, Some(shown(&report, refitting))));
            *response.status_mut() = status;
            Ok(response)
        }
        Err(error) => refused(layout, error),
    }
}

/// Puts the import in the audit log (written or refused, with its counts).
async fn record_import(
    state: &AppState,
    actor: tenure_app::audit::Actor,
    report: &tenure_app::import::ImportReport,
) -> Result<(), AppError> {
    let action = tenure_app::audit::import_action(report, format!("source:{}", report.source));
    crate::audit::record(state, actor, action).await
}

/// The form again with why the upload could not be imported at all (400), or an error page for
/// failures that are not the upload's fault.
fn refused(layout: Layout, error: AppError) -> Result<Response, PageError> {
    match error {
        AppError::Invalid(_) | AppError::Import(_) => {
            let mut response = render(&import_page(layout, Some(error.to_string()), None));
            *response.status_mut() = StatusCode::BAD_REQUEST;
            Ok(response)
        }
        other => Err(PageError::App(other)),
    }
}

/// Reads the rest of the form (the token was the first field).
async fn read_upload(form: &mut Multipart) -> Result<Upload, AppError> {
    let failed = |e: axum::extract::multipart::MultipartError| {
        AppError::Invalid(format!(
            "the upload could not be read (at most {} MiB): {}",
            IMPORT_LIMIT_BYTES >> 20,
            e.body_text()
        ))
    };
    let mut upload = Upload::default();
    while let Some(field) = form.next_field().await.map_err(failed)? {
        match field.name().unwrap_or_default() {
            "file" => {
                let name = field.file_name().unwrap_or("upload").to_string();
                let bytes = field.bytes().await.map_err(failed)?;
                // A file input left empty still sends a part, with no name and no bytes.
                if !(bytes.is_empty() && name.is_empty()) {
                    upload.files.push((name, bytes.to_vec()));
                }
            }
            "format" => upload.format = field.text().await.map_err(failed)?,
            "source" => upload.source = field.text().await.map_err(failed)?,
            "time_zone" => upload.time_zone = field.text().await.map_err(failed)?,
            "skip_invalid" => upload.skip_invalid = !field.text().await.map_err(failed)?.is_empty(),
            _ => {}
        }
    }
    Ok(upload)
}

/// The import request of an upload: the format chosen or recognised, the source named.
fn prepare(upload: Upload) -> Result<(ImportRequest, Vec<Input>), AppError> {
    let Some((first_name, first_bytes)) = upload.files.first() else {
        return Err(AppError::Invalid("choose a file to import".into()));
    };
    let format = match upload.format.trim() {
        "" | "auto" => tenure_import::sniff(first_bytes).ok_or_else(|| {
            AppError::Invalid(format!(
                "cannot tell the format of {first_name} from its first line: choose the format"
            ))
        })?,
        name => name.parse::<Format>().map_err(AppError::Import)?,
    };
    if format == Format::Csv {
        return Err(AppError::Invalid(
            "a generic CSV needs a column mapping: import it with tenure import --format csv --map FIELD=COLUMN,…".into(),
        ));
    }
    let source = match upload.source.trim() {
        "" => None,
        name => Some(SourceName::parse(name).map_err(|e| AppError::Invalid(e.to_string()))?),
    };
    // Named here, the zone is remembered for the source, as `tenure import --source-time-zone`.
    let time_zone = match upload.time_zone.trim() {
        "" => None,
        name => Some(ShopTimeZone::parse(name)?.zone()),
    };
    let request = ImportRequest {
        format,
        paths: Vec::new(),
        source,
        skip_invalid: upload.skip_invalid,
        options: ImportOptions::default(),
        time_zone,
    };
    let inputs = upload.files.into_iter().map(|(name, bytes)| Input::from_bytes(name, bytes)).collect();
    Ok((request, inputs))
}

fn shown(report: &ImportReport, refitting: bool) -> Outcome {
    Outcome {
        committed: report.committed,
        source: report.source.clone(),
        rows_read: count(report.rows_read),
        orders_added: count(report.orders_added),
        orders_added_raw: report.orders_added,
        orders_unchanged: count(report.orders_unchanged),
        orders_updated: count(report.orders_updated),
        customers_added: count(report.customers_added),
        customers_merged: count(report.customers_merged),
        abandoned: count(report.abandoned_checkouts),
        rejected: report.rejected.iter().map(ToString::to_string).collect(),
        refitting,
    }
}
