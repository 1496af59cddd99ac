/**
 * Regression reproduction: the catalogue of known defects of the modelled change as data (one YAML
 * file per regression under {@code regressions/}, read by {@link r2rlab.repro.CatalogueParser}) and
 * {@link r2rlab.repro.ReproEngine}, which runs each regression twice per target — defect on, defect
 * off — and compares what it observed with the symptom the file expects. The command line renders
 * the results; nothing here prints.
 */
package r2rlab.repro;
