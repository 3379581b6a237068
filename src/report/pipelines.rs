//! The usage map of `nhiscan pipelines` as text: one block per pipeline, one line per job and
//! step that reads a secret, then each secret with its readers, then the risks.

use std::io::Write;

use crate::pipelines::UsageMap;

/// One block per pipeline, one line per job and step, then each secret with its readers.
pub fn text(map: &UsageMap, mut w: impl Write) -> std::io::Result<()> {
    for p in &map.pipelines {
        let on = if p.triggers.is_empty() {
            String::new()
        } else {
            format!("  on: {}", p.triggers.join(", "))
        };
        writeln!(w, "{} ({}){on}", p.path, p.system)?;
        for r in &p.secrets {
            writeln!(w, "  {}:{}  reads {}", r.line, r.column, r.name)?;
        }
        for j in &p.jobs {
            let mut facts = Vec::new();
            if let Some(e) = &j.environment {
                facts.push(format!("environment {e}"));
            }
            if let Some(perm) = &j.permissions {
                facts.push(format!("permissions {perm}"));
            }
            if j.oidc {
                facts.push(match &j.oidc_use {
                    Some(u) => format!("OIDC: {}", u.describe()),
                    None => "OIDC".to_string(),
                });
            }
            if j.inherits_secrets {
                facts.push("secrets: inherit".to_string());
            }
            if let Some(u) = &j.uses {
                facts.push(format!("uses {u}"));
            }
            let facts = if facts.is_empty() {
                String::new()
            } else {
                format!("  [{}]", facts.join("; "))
            };
            writeln!(w, "  job {} ({}:{}){facts}", j.id, j.line, j.column)?;
            for r in &j.secrets {
                writeln!(w, "    {}:{}  reads {}", r.line, r.column, r.name)?;
            }
            for s in &j.steps {
                let label = s.name.as_deref().or(s.uses.as_deref()).unwrap_or("(step)");
                if s.secrets.is_empty() {
                    continue;
                }
                let names: Vec<String> = s
                    .secrets
                    .iter()
                    .map(|r| format!("{} ({}:{})", r.name, r.line, r.column))
                    .collect();
                writeln!(w, "    step {label}: reads {}", names.join(", "))?;
            }
        }
        writeln!(w)?;
    }
    writeln!(w, "secrets:")?;
    for (name, uses) in &map.secrets {
        let at: Vec<String> = uses.iter().map(|u| u.evidence()).collect();
        writeln!(w, "  {name}: {}", at.join(", "))?;
    }
    if !map.risks.is_empty() {
        writeln!(w)?;
        writeln!(w, "risks:")?;
        for r in &map.risks {
            writeln!(
                w,
                "  {}:{}:{}  {} {} ({})  {}\n    fix: {}",
                r.path,
                r.line,
                r.column,
                r.severity.as_str(),
                r.rule_id,
                r.owasp,
                r.message,
                r.fix
            )?;
        }
    }
    Ok(())
}
