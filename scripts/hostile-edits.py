#!/usr/bin/env python3
"""Edits real plans the way an agent that wants its plan applied would, and
reports every edit that makes blastwall's verdict laxer: an exit 3 that
becomes 0, a lower score, or a finding lost or lowered. An edit the check
refuses (exit 1) is never laxer. Each edit is one a plan reader could be
fooled by (a copy of a prior-state object, an `after_unknown` marker, an
`action_reason`, a section dropped...); see docs/security.md for the ones
that remain consistent with a real plan and why.

    cargo build --release
    scripts/hostile-edits.py                       # testdata/accuracy and testdata/plans
    scripts/hostile-edits.py path/to/plan.json ... # other plans
    BW=path/to/blastwall AUTHOR=human scripts/hostile-edits.py

Prints one `LAX` line per laxer (plan, edit) and the count; about 25 s on
2 cores. The remaining lines (at 9dd750f) are edits Terraform could have
written: a replace reason swapped within its family, create-before-destroy
order, a drift list replaced, tags changed in both `before` and `after`.
"""
import json, copy, subprocess, sys, os, re, glob
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BW = os.environ.get('BW', os.path.join(ROOT, 'target/release/blastwall'))
AUTHOR = os.environ.get('AUTHOR', 'agent')
def run(text):
    p = subprocess.run([BW, 'check', '-', '--format', 'agent', '--author', AUTHOR], input=text.encode(), capture_output=True)
    out = p.stdout.decode(errors='replace')
    findings = set(re.findall(r'^finding plan=\d+ severity=(\S+) rule=(\S+) address="([^"]*)"', out, re.M))
    m = re.search(r'^verdict=(\S+) score=(\d+)', out, re.M)
    return p.returncode, (m.group(1), int(m.group(2))) if m else (None, None), findings, p.stderr.decode(errors='replace')

def prior_resources(d):
    out = []
    v = ((d.get('prior_state') or {}).get('values') or {})
    pend = [v.get('root_module') or {}]
    while pend:
        m = pend.pop(); out.append(m); pend.extend(m.get('child_modules') or [])
    return out

def destructive(d):
    return [c for c in d.get('resource_changes') or [] if set(c['change']['actions']) & {'delete', 'update'}]

M = {}
def mut(f): M[f.__name__] = f; return f

@mut
def prior_dup_after_benign(d):
    for c in destructive(d):
        for m in prior_resources(d):
            for r in list(m.get('resources') or []):
                if r['address'] == c['address'] and not r.get('deposed_key'):
                    r2 = copy.deepcopy(r)
                    if isinstance(c['change'].get('after'), dict): r2['values'] = c['change']['after']
                    m['resources'].append(r2)
@mut
def prior_dup_before_benign(d):
    for c in destructive(d):
        for m in prior_resources(d):
            for r in list(m.get('resources') or []):
                if r['address'] == c['address'] and not r.get('deposed_key'):
                    r2 = copy.deepcopy(r)
                    if isinstance(c['change'].get('after'), dict): r2['values'] = c['change']['after']
                    m['resources'].insert(0, r2)
@mut
def prior_deposed_copy(d):
    for c in destructive(d):
        for m in prior_resources(d):
            for r in list(m.get('resources') or []):
                if r['address'] == c['address'] and not r.get('deposed_key'):
                    r2 = copy.deepcopy(r); r2['deposed_key'] = 'deadbeef'
                    if isinstance(c['change'].get('after'), dict): r2['values'] = c['change']['after']
                    m['resources'].append(r2)
@mut
def prior_dup_fmt01(d):
    prior_dup_after_benign(d); d['format_version']='0.1'
@mut
def before_sensitive_true(d):
    for c in destructive(d): c['change']['before_sensitive'] = True
@mut
def before_sensitive_each(d):
    for c in destructive(d):
        b = c['change'].get('before')
        if isinstance(b, dict): c['change']['before_sensitive'] = {k: True for k in b}
@mut
def after_sensitive_each(d):
    for c in destructive(d):
        b = c['change'].get('after')
        if isinstance(b, dict): c['change']['after_sensitive'] = {k: True for k in b}
@mut
def after_unknown_each(d):
    for c in destructive(d):
        b = c['change'].get('after')
        if isinstance(b, dict): c['change']['after_unknown'] = {k: True for k in b}
@mut
def after_unknown_true(d):
    for c in destructive(d):
        if c['change'].get('after') is not None: c['change']['after_unknown'] = True
@mut
def prior_sensitive_values(d):
    for m in prior_resources(d):
        for r in m.get('resources') or []:
            if isinstance(r.get('values'), dict): r['sensitive_values'] = {k: True for k in r['values']}
@mut
def prior_tainted(d):
    for m in prior_resources(d):
        for r in m.get('resources') or []: r['tainted'] = True
for reason in ['replace_because_tainted', 'replace_by_request', 'replace_because_cannot_update', 'delete_because_no_resource_config', 'delete_because_wrong_repetition', 'delete_because_count_index', 'delete_because_each_key', 'delete_because_no_module', 'read_because_dependency_pending']:
    def f(d, reason=reason):
        for c in destructive(d): c['action_reason'] = reason
    f.__name__ = 'reason_' + reason; M[f.__name__] = f
@mut
def importing(d):
    for c in destructive(d): c['change']['importing'] = {'id': 'x'}
@mut
def no_configuration(d): d.pop('configuration', None)
@mut
def no_planned_values(d): d.pop('planned_values', None)
@mut
def no_relevant(d): d.pop('relevant_attributes', None)
@mut
def drift_copy(d):
    d['resource_drift'] = copy.deepcopy(d.get('resource_changes') or [])
@mut
def cbd_order(d):
    for c in d.get('resource_changes') or []:
        if c['change']['actions'] == ['delete', 'create']: c['change']['actions'] = ['create', 'delete']
@mut
def tf_old(d): d['terraform_version'] = '0.12.0'
@mut
def tf_new(d): d['terraform_version'] = '9.0.0'
@mut
def fmt_10(d): d['format_version'] = '1.0'
@mut
def provider_tofu(d):
    for c in d.get('resource_changes') or []:
        c['provider_name'] = (c.get('provider_name') or '').replace('registry.terraform.io', 'registry.opentofu.org')
@mut
def reverse_changes(d):
    if d.get('resource_changes'): d['resource_changes'].reverse()
@mut
def errored_false(d): d['errored'] = False
@mut
def tags_dev(d):
    for c in d.get('resource_changes') or []:
        for k in ('before', 'after'):
            v = c['change'].get(k)
            if isinstance(v, dict):
                v['tags'] = {'Environment': 'dev', 'env': 'test'}; v['tags_all'] = v['tags']
@mut
def replace_paths_empty(d):
    for c in d.get('resource_changes') or []:
        if 'replace_paths' in c['change']: c['change']['replace_paths'] = []
@mut
def output_changes_junk(d):
    d['output_changes'] = {'x': {'actions': ['no-op'], 'before': 1, 'after': 1, 'after_unknown': False, 'before_sensitive': False, 'after_sensitive': False}}

sev = {'critical': 4, 'high': 3, 'medium': 2, 'low': 1, 'info': 0}
plans = sys.argv[1:] or sorted(glob.glob(os.path.join(ROOT, 'testdata/accuracy/*/plan.json'))) + sorted(glob.glob(os.path.join(ROOT, 'testdata/plans/*/plan.json')))
bad = 0
for path in plans:
    src = json.load(open(path))
    base = run(json.dumps(src))
    if base[0] == 1: print('BASE-REFUSED', path); continue
    for name, f in M.items():
        d = copy.deepcopy(src)
        try: f(d)
        except Exception as e: print('mutfail', name, path, e); continue
        r = run(json.dumps(d))
        lax = []
        if r[0] == 1: continue  # refused: never laxer
        if base[0] == 3 and r[0] == 0: lax.append('exit3->0')
        if r[1][1] is not None and base[1][1] is not None and r[1][1] < base[1][1]: lax.append(f'score {base[1][1]}->{r[1][1]}')
        bmax = {}
        for s, rule, a in r[2]: bmax[(rule, a)] = max(bmax.get((rule, a), -1), sev[s])
        lost = [(s, rule, a) for s, rule, a in base[2] if bmax.get((rule, a), -1) < sev[s]]
        if lost: lax.append('lost ' + ' '.join(f'{rule}@{a}:{s}' for s, rule, a in lost)[:300])
        if lax:
            bad += 1; print('LAX', os.path.basename(os.path.dirname(path)), name, base[0], '->', r[0], '|', '; '.join(lax))
print('lax count', bad)
