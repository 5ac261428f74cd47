"""Chart builders shared by the pages (components/) and the decks (reports/): pure functions that return
`alt.Chart`, so the same chart goes on a page, into an image for a deck and into a test of its spec.

Never imports streamlit, components/, pages/ or reports/ (it reads data_loaders' catalogue and i18n only).

    theme.py     the registered "nq57" Altair theme (enabled on import), the font and the status colours
    locale.py    Vega's number locale per language (12.106 and 26,5 in Vietnamese) and `localized(chart, lang)`
    status.py    task-status charts: status bars, stacked status per unit or per group, the status trend
    trend.py     lines over month ends (`trend_lines`) and the long frame they read (`trend_frame`)
    geometry.py  the 34 province shapes, the archipelagos' islands, bounding boxes, a commune's province
    maps.py      province choropleth, commune points, ranked bars, their value formatting, `selected_code`
    build.py     setting a chart's properties without Altair's copies and schema checks (the same spec, cheaper)
    render.py    images with vl-convert: PNG and SVG for pages and decks, the slide spec, the bundled fonts
    fonts/       DejaVu Sans (every Vietnamese letter), used by the images and by the PDF decks
"""
