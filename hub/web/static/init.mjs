// Progressive enhancement only: every journey works without JavaScript.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();
