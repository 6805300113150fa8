// Writes the GitLab CI/CD component (templates/aws-oidc.yml) from the source gitLabCiJob() renders with.
import { writeFileSync } from 'fs';
import { join } from 'path';
import { COMPONENT_PATH, renderCiComponent } from '../src/private/job/component';

writeFileSync(join(__dirname, '..', COMPONENT_PATH), renderCiComponent());
