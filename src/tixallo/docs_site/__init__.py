"""The documentation served by the app at ``/docs``: the Markdown pages of ``docs/`` and an
interactive reference rendered from the two OpenAPI documents, with no outside assets."""
