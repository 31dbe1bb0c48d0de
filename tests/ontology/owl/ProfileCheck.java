// Runs the OWL API's profile checker (Debian package libowlapi-java) on one RDF file and
// prints one line per violation, "<kind>\t<offending term or axiom>", then the count.
// Usage: java -cp <owlapi class path> ProfileCheck.java DL|RL|EL|QL <file>
// Run by tests/ontology/test_owl_tools.py as a single-file Java program (JDK 11 or later).

import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWL2ELProfile;
import org.semanticweb.owlapi.profiles.OWL2QLProfile;
import org.semanticweb.owlapi.profiles.OWL2RLProfile;
import org.semanticweb.owlapi.profiles.OWLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileReport;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

public class ProfileCheck {
    public static void main(String[] args) throws Exception {
        OWLProfile profile;
        switch (args[0]) {
            case "DL": profile = new OWL2DLProfile(); break;
            case "RL": profile = new OWL2RLProfile(); break;
            case "EL": profile = new OWL2ELProfile(); break;
            case "QL": profile = new OWL2QLProfile(); break;
            default: throw new IllegalArgumentException("profile must be DL, RL, EL or QL: " + args[0]);
        }
        OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
        OWLOntology ontology = manager.loadOntologyFromOntologyDocument(new File(args[1]));
        OWLProfileReport report = profile.checkOntology(ontology);
        for (OWLProfileViolation violation : report.getViolations()) {
            String what = String.valueOf(violation.getExpression()).replaceAll("\\s+", " ");
            System.out.println(violation.getClass().getSimpleName() + "\t" + what);
        }
        System.out.println("violations: " + report.getViolations().size());
    }
}
