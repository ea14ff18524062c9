export declare const TEST_RULE_COMMENT: string;
export declare function acceptBridgeForwarding(bridge: string): () => void;
