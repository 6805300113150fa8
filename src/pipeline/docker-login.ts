import { fail, show } from '../private/errors';
import { CI_VARIABLE_NAME } from '../private/rules/gitlab-ci';
import { isLiteral } from '../private/tokens';

/**
 * The CI/CD variables that hold a registry's user name and password (or access token). Make them masked and
 * protected in the project's settings, so only pipelines of protected branches and tags receive them.
 */
export interface GitLabDockerLoginVariables {
  /**
   * The variable that holds the user name.
   */
  readonly usernameVariable: string;

  /**
   * The variable that holds the password or access token.
   */
  readonly passwordVariable: string;
}

/** A registry host, with an optional port and path: what `docker login` takes. */
const REGISTRY = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?(\/[A-Za-z0-9._-]+)*$/;

/**
 * A container registry that the job building a `GitLabCiPipeline`'s Docker image assets logs in to before it
 * builds: for base images behind a login (the project's GitLab registry, Docker Hub beyond its anonymous pull
 * limit, a private registry). The credentials stay in a Docker configuration folder of the job's own, removed
 * when the build ends. Publishing to the assets' ECR repositories needs no login here: cdk-assets logs in with
 * the stage's role.
 */
export class GitLabDockerLogin {
  /**
   * The project's GitLab container registry (`$CI_REGISTRY`), with the credentials GitLab gives every job
   * (`$CI_REGISTRY_USER` and `$CI_REGISTRY_PASSWORD`, the job's own short-lived token): nothing to store.
   */
  public static gitLabRegistry(): GitLabDockerLogin {
    return new GitLabDockerLogin(undefined, 'CI_REGISTRY_USER', 'CI_REGISTRY_PASSWORD', 'CI_REGISTRY');
  }

  /**
   * Docker Hub, with a user name and an access token held in CI/CD variables.
   * @param variables the variables that hold the user name and the access token
   */
  public static dockerHub(variables: GitLabDockerLoginVariables): GitLabDockerLogin {
    return new GitLabDockerLogin(undefined, variables.usernameVariable, variables.passwordVariable);
  }

  /**
   * Any registry, with a user name and a password held in CI/CD variables.
   * @param server the registry's host, with its port or path if it has one (`registry.example.com:5000`)
   * @param variables the variables that hold the user name and the password
   */
  public static registry(server: string, variables: GitLabDockerLoginVariables): GitLabDockerLogin {
    if (!isLiteral(server) || !REGISTRY.test(server)) {
      fail(`GitLabDockerLogin.registry's server must be a literal registry host, with an optional port and path (registry.example.com:5000), got: ${show(server)}`);
    }
    return new GitLabDockerLogin(server, variables.usernameVariable, variables.passwordVariable);
  }

  private constructor(
    private readonly server: string | undefined,
    private readonly usernameVariable: string,
    private readonly passwordVariable: string,
    private readonly serverVariable?: string,
  ) {
    for (const name of [usernameVariable, passwordVariable]) {
      if (!isLiteral(name) || !CI_VARIABLE_NAME.test(name)) {
        fail(`GitLabDockerLogin's variables must be CI/CD variable names (letters, digits and "_", not starting with a digit), got: ${show(name)}`);
      }
    }
  }

  /**
   * The shell command that logs in: the password from its variable through standard input, never in the
   * command's arguments (which the process list shows). Docker Hub is the client's default server.
   * @internal
   */
  public _command(): string {
    const server = this.serverVariable ? ` "$${this.serverVariable}"` : this.server ? ` '${this.server}'` : '';
    // An unset variable stops the job with its name (it is protected: is the branch?), not docker's "must provide a username".
    const present = [this.usernameVariable, this.passwordVariable, ...this.serverVariable ? [this.serverVariable] : []]
      .map((name) => `: "\${${name}:?is not set: a registry login needs it (a protected variable reaches protected branches only)}"`);
    return `${present.join('; ')}; printf '%s' "$${this.passwordVariable}" | docker login --username "$${this.usernameVariable}" --password-stdin${server}`;
  }
}
