//! Measuring triage against labelled messages: per-class precision, recall
//! and F1, confusion matrices, emergency recall and under-triage.

use std::fmt::Write as _;

use carethread_core::thread::{Category, Urgency};

/// One labelled message and what triage said about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Judged {
    pub expected_urgency: Urgency,
    pub predicted_urgency: Urgency,
    pub expected_category: Category,
    pub predicted_category: Category,
}

/// Precision, recall, F1 and support of one class.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClassScore {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// A confusion matrix over `labels` (rows: expected, columns: predicted).
#[derive(Debug, Clone, PartialEq)]
pub struct Confusion<T> {
    pub labels: Vec<T>,
    pub counts: Vec<Vec<usize>>,
}

impl<T: Copy + PartialEq> Confusion<T> {
    fn new(labels: &[T], pairs: impl Iterator<Item = (T, T)>) -> Self {
        let mut counts = vec![vec![0; labels.len()]; labels.len()];
        for (expected, predicted) in pairs {
            let (Some(e), Some(p)) =
                (labels.iter().position(|l| *l == expected), labels.iter().position(|l| *l == predicted))
            else {
                continue;
            };
            counts[e][p] += 1;
        }
        Self { labels: labels.to_vec(), counts }
    }

    /// Scores of the class at `index`.
    #[must_use]
    pub fn score(&self, index: usize) -> ClassScore {
        let tp = self.counts[index][index];
        let support: usize = self.counts[index].iter().sum();
        let predicted: usize = self.counts.iter().map(|row| row[index]).sum();
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(tp, predicted);
        let recall = ratio(tp, support);
        let f1 = if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        ClassScore { precision, recall, f1, support }
    }

    /// Unweighted mean F1 over classes that occur in the data.
    #[must_use]
    pub fn macro_f1(&self) -> f64 {
        let scores: Vec<ClassScore> = (0..self.labels.len()).map(|i| self.score(i)).filter(|s| s.support > 0).collect();
        if scores.is_empty() { 0.0 } else { scores.iter().map(|s| s.f1).sum::<f64>() / scores.len() as f64 }
    }

    /// Share of items on the diagonal.
    #[must_use]
    pub fn accuracy(&self) -> f64 {
        let total: usize = self.counts.iter().flatten().sum();
        let right: usize = (0..self.labels.len()).map(|i| self.counts[i][i]).sum();
        if total == 0 { 0.0 } else { right as f64 / total as f64 }
    }
}

/// The whole evaluation.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub total: usize,
    pub urgency: Confusion<Urgency>,
    pub category: Confusion<Category>,
    /// Expected emergencies that triage also called emergencies, as a share.
    pub emergency_recall: f64,
    /// Messages triaged as less urgent than their label (the dangerous error).
    pub under_triaged: usize,
    /// Messages not labelled emergencies.
    pub non_emergencies: usize,
    /// Of those, how many triage called emergencies (false alarms).
    pub false_alarms: usize,
}

impl Evaluation {
    #[must_use]
    pub fn new(judged: &[Judged]) -> Self {
        let urgency = Confusion::new(Urgency::ALL, judged.iter().map(|j| (j.expected_urgency, j.predicted_urgency)));
        let category =
            Confusion::new(Category::ALL, judged.iter().map(|j| (j.expected_category, j.predicted_category)));
        let emergency_recall = urgency.score(0).recall;
        let under_triaged = judged.iter().filter(|j| j.predicted_urgency.rank() > j.expected_urgency.rank()).count();
        let others = judged.iter().filter(|j| j.expected_urgency != Urgency::Emergency);
        let non_emergencies = others.clone().count();
        let false_alarms = others.filter(|j| j.predicted_urgency == Urgency::Emergency).count();
        Self { total: judged.len(), urgency, category, emergency_recall, under_triaged, non_emergencies, false_alarms }
    }

    /// Share of non-emergencies called emergencies (0 when there are none).
    #[must_use]
    pub fn false_alarm_share(&self) -> f64 {
        if self.non_emergencies == 0 { 0.0 } else { self.false_alarms as f64 / self.non_emergencies as f64 }
    }

    /// A plain-text report.
    #[must_use]
    pub fn report(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "messages: {}", self.total);
        let _ = writeln!(out, "\nurgency (accuracy {:.3})", self.urgency.accuracy());
        table(&mut out, &self.urgency, Urgency::as_str);
        let _ = writeln!(
            out,
            "\ncategory (accuracy {:.3}, macro-F1 {:.3})",
            self.category.accuracy(),
            self.category.macro_f1()
        );
        table(&mut out, &self.category, Category::as_str);
        let _ = writeln!(out, "\nemergency recall: {:.3}", self.emergency_recall);
        let _ = writeln!(out, "under-triaged (predicted less urgent than labelled): {}", self.under_triaged);
        let _ = writeln!(
            out,
            "false alarms (not emergencies, called emergencies): {} of {} ({:.1}%)",
            self.false_alarms,
            self.non_emergencies,
            self.false_alarm_share() * 100.0
        );
        out
    }
}

/// A table of the same figures for each group of messages (registers,
/// languages): how many, emergency recall (caught of labelled), urgency
/// accuracy, category macro-F1 and false alarms. A group without
/// emergencies shows `-` for its recall.
#[must_use]
pub fn groups_report(title: &str, groups: &[(String, Evaluation)]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nby {title}:");
    let _ = writeln!(
        out,
        "{:<17} {:>8} {:>17} {:>9} {:>9} {:>17}",
        title, "messages", "emergency recall", "urgency", "macro-F1", "false alarms"
    );
    for (name, e) in groups {
        let emergencies = e.urgency.score(0).support;
        let caught = e.urgency.counts.first().and_then(|row| row.first()).copied().unwrap_or(0);
        let recall = if emergencies == 0 {
            "-".to_owned()
        } else {
            format!("{:.3} ({caught}/{emergencies})", e.emergency_recall)
        };
        let _ = writeln!(
            out,
            "{name:<17} {:>8} {recall:>17} {:>9.3} {:>9.3} {:>17}",
            e.total,
            e.urgency.accuracy(),
            e.category.macro_f1(),
            format!("{}/{} ({:.1}%)", e.false_alarms, e.non_emergencies, e.false_alarm_share() * 100.0)
        );
    }
    out
}

fn table<T: Copy + PartialEq>(out: &mut String, m: &Confusion<T>, name: impl Fn(T) -> &'static str) {
    let _ = writeln!(out, "{:<15} {:>9} {:>9} {:>9} {:>8}", "class", "precision", "recall", "f1", "support");
    for (i, label) in m.labels.iter().enumerate() {
        let s = m.score(i);
        let _ =
            writeln!(out, "{:<15} {:>9.3} {:>9.3} {:>9.3} {:>8}", name(*label), s.precision, s.recall, s.f1, s.support);
    }
    let _ = write!(out, "confusion (rows expected, columns predicted):\n{:<15}", "");
    for label in &m.labels {
        let _ = write!(out, " {:>14}", name(*label));
    }
    out.push('\n');
    for (i, label) in m.labels.iter().enumerate() {
        let _ = write!(out, "{:<15}", name(*label));
        for n in &m.counts[i] {
            let _ = write!(out, " {n:>14}");
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn judged(eu: Urgency, pu: Urgency, ec: Category, pc: Category) -> Judged {
        Judged { expected_urgency: eu, predicted_urgency: pu, expected_category: ec, predicted_category: pc }
    }

    #[test]
    fn scores_match_hand_counts() {
        use Category::{Medication as M, Scheduling as S};
        use Urgency::{Emergency as E, Routine as R, Urgent as U};
        let data = [
            judged(E, E, M, M),
            judged(E, R, M, S), // a missed emergency: under-triaged
            judged(U, E, S, S), // over-triage is not under-triage
            judged(R, R, S, S),
        ];
        let eval = Evaluation::new(&data);
        assert_eq!(eval.total, 4);
        assert!((eval.emergency_recall - 0.5).abs() < 1e-9);
        assert_eq!(eval.under_triaged, 1);
        let emergency = eval.urgency.score(0);
        assert!((emergency.precision - 0.5).abs() < 1e-9);
        let scheduling = eval.category.score(1);
        assert!((scheduling.precision - 2.0 / 3.0).abs() < 1e-9);
        assert!((scheduling.recall - 1.0).abs() < 1e-9);
        assert!((eval.category.accuracy() - 0.75).abs() < 1e-9);
        assert!(eval.report().contains("emergency recall: 0.500"));
        assert_eq!((eval.false_alarms, eval.non_emergencies), (1, 2));
        assert!(eval.report().contains("false alarms (not emergencies, called emergencies): 1 of 2 (50.0%)"));
        let table = groups_report("register", &[("readings".to_owned(), eval.clone())]);
        assert!(table.contains("by register:"), "{table}");
        assert!(
            table.contains("readings") && table.contains("0.500 (1/2)") && table.contains("1/2 (50.0%)"),
            "{table}"
        );
    }
}
