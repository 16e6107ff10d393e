// The devtools page: adds the "CORS" panel for the inspected tab.
import { api, t } from './browser.js';

api.devtools.panels.create(t('panelTitle'), '/extension/icons/icon-32.png', '/extension/panel.html');
