//! Bitbucket Pipelines (`bitbucket-pipelines.yml`): secrets are repository, deployment and
//! workspace variables read file-wide as `$NAME`; the steps are the `- step:` maps below
//! `pipelines:`, wherever they sit.

use super::yaml::Node;

/// Every `- step:` map below Bitbucket's `pipelines:` (default, branches, pull requests,
/// custom, inside `parallel:` and `stage:`).
pub fn steps<'a>(n: &'a Node, out: &mut Vec<&'a Node>) {
    for (k, v) in n.entries() {
        if k.value == "step" && matches!(v, Node::Map { .. }) {
            out.push(v);
        } else {
            steps(v, out);
        }
    }
    for i in n.items() {
        steps(i, out);
    }
}
