// The explorer's views, each in its own module; the country list and reports stay in app.js.
import { register, start } from './explorer.js';
import './search.js';
import './domains.js';
import './profile.js';
import './catalog.js';

register('countries', 'view-countries', null);
start();
