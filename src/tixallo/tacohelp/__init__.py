"""TacoHelp's documented shapes, built from Tixallo's objects.

Used by the TacoHelp-compatible API (``tixallo.api.external``) and by webhook endpoints in the
``tacohelp`` payload format, so both send one shape built in one place. Nothing here knows
about HTTP.
"""
