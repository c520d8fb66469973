// The admin console's frame: one section at a time, chosen by the address (/admin#users) and
// the side navigation. Each section brings its own script.
import { initSections } from "./sections.js";

initSections();
