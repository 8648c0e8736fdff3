"""The use cases, each one transaction: load within the user's scope, ask the engine, append one event,
commit. Storage is reached through the unit of work's repositories (unit_of_work.py describes them;
workflow/adapters/ implements them in SQL and in memory), so a use case runs against a fake. The few
modules that still need a session are listed, with the reason, in tests/test_layers.py.

dossiers: create, import, export, read and list dossiers · steps: record and correct steps, probation,
case events, facts · reviews: sign-offs · returns: a step sent back · reviewed_changes: case events and
fact corrections proposed and approved (一事一审) · fact_checks: the dates of facts · materials,
step_materials: files and what each step asks for · batches: meetings and sheets in one transaction ·
imports: dossier/1 and 纪实表 files · queries, web_queries, audit_views, inbox (and inbox_mail): what the
pages and the API read · demo: the demo installation · entries, parts, scope, uniqueness, writes: the
pieces the use cases share.
"""
