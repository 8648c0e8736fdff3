"""The procedure as data: rule sets, overlays, the material checklist and the form list.

Imports nothing of ours, so that every other package can stand on it.
"""
