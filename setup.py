"Setup for lightning_pose; all metadata lives in settings.ini (nbdev)."
from configparser import ConfigParser
import setuptools, shlex

config = ConfigParser(delimiters=['='])
config.read('settings.ini', encoding='utf-8')
cfg = config['DEFAULT']

expected = 'version description keywords author author_email'.split()
missing = [o for o in expected if o not in cfg]
if missing: raise KeyError(f"settings.ini: missing keys {missing}")

licenses = {
    'apache2': ('Apache Software License 2.0','OSI Approved :: Apache Software License'),
    'mit': ('MIT License', 'OSI Approved :: MIT License'),
}
statuses = [ '0 - Pre-Planning', '1 - Planning', '2 - Pre-Alpha', '3 - Alpha',
    '4 - Beta', '5 - Production/Stable', '6 - Mature', '7 - Inactive' ]
py_versions = '3.10 3.11 3.12 3.13'.split()

lic = licenses.get(cfg['license'].lower(), (cfg['license'], None))
min_python = cfg['min_python']
linux_marker = '; platform_system == "Linux" and platform_machine == "x86_64"'
requirements = shlex.split(cfg.get('requirements', ''))
requirements += [r + linux_marker for r in shlex.split(cfg.get('linux_x86_64_requirements', ''))]
dev_requirements = shlex.split(cfg.get('dev_requirements', ''))
long_description = open('README.md', encoding='utf-8').read()

setuptools.setup(
    name = cfg['lib_name'],
    license = lic[0],
    classifiers = [
        'Development Status :: ' + statuses[int(cfg['status'])],
        'Intended Audience :: ' + cfg['audience'].title(),
        'Natural Language :: ' + cfg['language'].title(),
        'Topic :: Scientific/Engineering :: Image Recognition',
    ] + ['Programming Language :: Python :: '+o for o in py_versions[py_versions.index(min_python):]]
      + (['License :: ' + lic[1] ] if lic[1] else []),
    url = cfg['git_url'],
    packages = setuptools.find_packages(include=['lightning_pose', 'lightning_pose.*']),
    include_package_data = True,
    install_requires = requirements,
    extras_require = {'dev': dev_requirements},
    python_requires = '>=' + min_python,
    long_description = long_description,
    long_description_content_type = 'text/markdown',
    zip_safe = False,
    entry_points = {
        'console_scripts': cfg.get('console_scripts', '').split(),
        'nbdev': [f'{cfg.get("lib_path")}={cfg.get("lib_path")}._modidx:d'],
    },
    **{k: cfg[k] for k in ['version', 'description', 'keywords', 'author', 'author_email']})
