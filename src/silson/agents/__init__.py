"""Field agents (현장 대리인) who fetch documents from hospitals and pharmacies with the person's power of
attorney (의료법 제21조; claims-and-documents.md §6). Modules, one job each: `fees` (the 보건복지부
제증명수수료 caps as dated data), `forms` (the 동의서 and 위임장 of 별지 제9호의2·제9호의3서식 as PDFs),
`models` and `repository` (tables and queries), `service` (tasks, signing, check-in, photos, fees,
stopping)."""
