//! Files at the application layer: a form's files checked against the
//! clinic's limits before anything is written, and a file the virus scanner
//! refused audited by size and digest only. On SQLite and (when configured)
//! PostgreSQL.

mod support;

use carethread_app::AppError;
use carethread_app::composing::{check_files, refuse_infected_upload};
use carethread_core::audit::AuditAction;
use carethread_store::AuditQuery;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

#[tokio::test]
async fn too_many_or_unknown_files_are_refused_and_an_infected_one_is_audited_without_its_name() {
    for backend in support::backends() {
        let c = support::clinic(backend).await;
        let name = || Some("alice-rash-photo.png".to_owned());
        let checked = check_files(&c.app, vec![(name(), PNG.to_vec())]).expect("a PNG passes");
        assert_eq!(checked.len(), 1, "{backend}");
        let too_many = vec![(name(), PNG.to_vec()); c.app.settings.attachments_per_message + 1];
        assert!(matches!(check_files(&c.app, too_many), Err(AppError::Invalid { .. })), "{backend}");
        let script = check_files(&c.app, vec![(Some("x.sh".to_owned()), b"#!/bin/sh\necho".to_vec())]);
        assert!(matches!(script, Err(AppError::UnsupportedMediaType(_))), "{backend}");

        let bytes = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
        let refused = refuse_infected_upload(&c.app, &c.alice, Some(c.alice.user.id), None, bytes, "Eicar-Test").await;
        assert!(matches!(refused, AppError::Infected), "{backend}: {refused:?}");
        let query = AuditQuery { action: Some(AuditAction::AttachmentCreate), limit: 10, ..AuditQuery::default() };
        let kept = c.app.store.audit_entries(&query).await.expect("audit");
        assert_eq!(kept.len(), 1, "{backend}");
        let detail = kept[0].detail.clone().unwrap_or_default();
        assert_eq!(kept[0].outcome, "denied", "{backend}");
        assert!(detail.contains("Eicar-Test") && detail.contains("sha256 "), "{backend}: {detail}");
        assert!(!detail.contains("alice") && !detail.contains("EICAR-STANDARD"), "{backend}: no name, no content");
    }
}
